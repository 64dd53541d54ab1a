// `prec run [--] CMD ARGS...`: runs CMD in a cgroup v2 scope of its own, passes its exit status
// through, then shows the commands recorded in that scope (SPEC 14). Everything from the first word
// that is not one of prec run's flags (or after `--`) is the command, its own flags included.
import { PrecCommand } from '../base.js';
import { flagValue, markValues, sharedFlags, valueFlagNames } from '../flags.js';
import { Flags } from '@oclif/core';

export default class Run extends PrecCommand {
  static override summary = 'Run a command in a cgroup scope of its own, then show every command it ran.';
  static override description =
    'Needs precd running (as root). The command runs in a new cgroup v2 cgroup; its exit status is ' +
    "prec run's (128+N when killed by signal N). Afterwards the commands precd recorded in that cgroup " +
    'are shown, as a tree unless --no-tree; -q, -f, -o and the other list flags apply. ' +
    'Later, `prec -q "cgroup^=/prec-run.…"` shows the same.';
  static override examples = ['<%= config.bin %> run -- ./install.sh --prefix /opt', '<%= config.bin %> run -o json -f all make install'];
  static override strict = false;

  static override flags = {
    input: sharedFlags.input,
    config: Flags.string({ char: 'c', summary: "precd's config, for its log, lock and flush interval (default /etc/prec/precd.conf)." }),
    query: sharedFlags.query,
    fields: sharedFlags.fields,
    'full-time': sharedFlags['full-time'],
    limit: sharedFlags.limit,
    tree: Flags.boolean({ summary: 'Show the process tree (default; --no-tree lists rows).', default: true, allowNo: true }),
    output: sharedFlags.output,
    'csv-raw': sharedFlags['csv-raw'],
  };

  override async run(): Promise<void> {
    const [own, command] = splitCommand(this.argv, Run.flags);
    const { flags } = await this.parse(Run, markValues(own, Run.flags));
    const { runInScope } = await import('../scope-run.js');
    await runInScope({
      input: flagValue(flags.input),
      config: flagValue(flags.config),
      allSources: true,
      queries: (flags.query ?? []).map((q) => flagValue(q)),
      fields: flagValue(flags.fields),
      fullTime: flags['full-time'],
      limit: flagValue(flags.limit),
      tree: flags.tree,
      output: flagValue(flags.output),
      csvRaw: flags['csv-raw'],
      command,
    });
  }
}

/** prec run's own arguments, and the command: from `--` or the first word that is not a flag. */
export function splitCommand(argv: readonly string[], flags: Parameters<typeof valueFlagNames>[0]): [string[], string[]] {
  const takesValue = valueFlagNames(flags);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [argv.slice(0, i), argv.slice(i + 1)];
    if (!a.startsWith('-') || a === '-') return [argv.slice(0, i), argv.slice(i)];
    if (takesValue.has(a)) i++;
  }
  return [[...argv], []];
}
