#!/usr/bin/env node
// prec: reads, searches and follows the log written by precd. oclif CLI; its commands are listed in
// build/src/cli/commands.js (package.json: oclif.commands), bare `prec` is build/src/cli/commands/index.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const commands = new URL('../build/src/cli/commands.js', import.meta.url);
if (!existsSync(commands)) {
  process.stderr.write('prec: prec is not built yet: run npm run setup\n');
  process.exit(1);
}

// Last resort: whatever escapes the command (a failure inside a stream callback) is still one line.
const fatal = (err) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`prec: ${message.split('\n')[0]}\n`);
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

try {
  const { run } = await import('@oclif/core');
  // oclif would take the first word for a command name: anything that is not a subcommand is bare prec's.
  const { commandArgv } = await import(commands.href);
  // prec has no user plugins: without this oclif opens $HOME/.local/share/prec/package.json, and with
  // an unreadable HOME (sudo keeping HOME=/root for another user) prints a two-line EACCES warning
  // before prec's own one-line message.
  await run(commandArgv(process.argv.slice(2)), { root, userPlugins: false, devPlugins: false });
} catch (err) {
  // Failures before the command runs (oclif's own loading) still end as one line.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`prec: ${message.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0]}\n`);
  process.exitCode = 1;
}
