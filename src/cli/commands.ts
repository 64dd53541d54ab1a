// prec's commands: oclif's "explicit" command strategy (package.json: oclif.commands), so that
// startup imports this one module instead of scanning a directory. Each command is one file in
// commands/; bare `prec` is commands/index.ts.
//
// Adding a subcommand, `prec hunt` say:
//   1. write src/cli/commands/hunt.ts: `export default class Hunt extends PrecCommand` (base.ts),
//      its flags picked from sharedFlags (flags.ts) plus its own, parsed with
//      `this.parse(Hunt, markValues(this.argv, Hunt.flags))`, its work imported inside run();
//   2. add `hunt: Hunt` to COMMANDS below.
// The layout test (test/unit/cli-commands.test.ts) fails while a file in commands/ is not listed.
import Prec from './commands/index.js';
import Hunt from './commands/hunt.js';
import Verify from './commands/verify.js';
import Run from './commands/run.js';
import Stats from './commands/stats.js';
import type { PrecCommand } from './base.js';

/**
 * The id of bare `prec`: the one oclif itself gives commands/index under its "pattern" strategy
 * and to the command of a single-command CLI, so that help prints `prec [flags]`, not a command name.
 */
export const ROOT_COMMAND_ID = Symbol('SINGLE_COMMAND_CLI').toString();

const COMMANDS: Readonly<Record<string, typeof PrecCommand>> = {
  [ROOT_COMMAND_ID]: Prec,
  hunt: Hunt,
  verify: Verify,
  run: Run,
  stats: Stats,
};
export default COMMANDS;

/**
 * The argv to give oclif's run(): unchanged when it starts with a subcommand's name, else bare
 * `prec`'s (every flag, `--help` and `--version` included, goes to it exactly as when prec was a
 * single-command CLI; an unknown word stays bare prec's "Unexpected argument").
 */
export function commandArgv(argv: readonly string[], commands: Readonly<Record<string, unknown>> = COMMANDS): string[] {
  const first = argv[0];
  if (first !== undefined && first !== ROOT_COMMAND_ID && Object.hasOwn(commands, first)) return [...argv];
  return [ROOT_COMMAND_ID, ...argv];
}
