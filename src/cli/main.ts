// prec's entry point, run by bin/prec.js. `just build` bundles it with oclif into build/src/bundle/main.js
// (packaging/bundle-cli.mjs): every `prec` pays its start-up, and loading oclif's ~200 CommonJS
// files one by one was most of it (docs/benchmarks.md, "prec start-up").
//
// oclif stays the command framework: it is given the package's own package.json, except that the
// command table it loads is this very module's COMMANDS, so that the bundle does not load a second,
// unbundled oclif through build/src/cli/commands.js (package.json's target, which the tests and the
// completion generator read).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, settings } from '@oclif/core';
import COMMANDS, { commandArgv } from './commands.js';

export { COMMANDS };

/** Runs prec with `argv` (without node and the script), `root` being the package's directory. */
export async function main(root: string, argv: readonly string[]): Promise<void> {
  const pjson = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { oclif: Record<string, unknown> };
  pjson.oclif = {
    ...pjson.oclif,
    commands: { strategy: 'explicit', target: relative(root, fileURLToPath(import.meta.url)), identifier: 'COMMANDS' },
  };
  // Compiled JavaScript only: with NODE_ENV=development oclif would otherwise look for ts-node.
  settings.enableAutoTranspile = false;
  // prec has no user plugins: without this oclif opens $HOME/.local/share/prec/package.json, and with
  // an unreadable HOME (sudo keeping HOME=/root for another user) prints a two-line EACCES warning
  // before prec's own one-line message (hence userPlugins: false below).
  // oclif would take the first word for a command name: anything that is not a subcommand is bare prec's.
  await run(commandArgv(argv), { root, pjson: pjson as never, userPlugins: false, devPlugins: false });
}
