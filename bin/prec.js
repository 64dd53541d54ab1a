#!/usr/bin/env node
// prec: reads, searches and follows the log written by precd. oclif single-command CLI; the command
// itself is build/src/cli/command.js (package.json: oclif.commands).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(new URL('../build/src/cli/command.js', import.meta.url))) {
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
  await run(process.argv.slice(2), root);
} catch (err) {
  // Failures before the command runs (oclif's own loading) still end as one line.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`prec: ${message.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0]}\n`);
  process.exitCode = 1;
}
