#!/usr/bin/env node
// prec: reads, searches and follows the log written by precd. oclif CLI; its commands are listed in
// build/src/cli/commands.js (package.json: oclif.commands), bare `prec` is build/src/cli/commands/index.js.
// It runs build/src/bundle/main.js, src/cli/main.ts bundled with oclif and what the commands import by
// `just build` (packaging/bundle-cli.mjs): node loading those ~300 files one by one was most of every
// prec's start-up (docs/benchmarks.md, "prec start-up").
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../build/src/bundle/main.js', import.meta.url);
const compiled = new URL('../build/src/cli/main.js', import.meta.url);
const tsBuild = new URL('../build/.tsbuildinfo', import.meta.url);
// A tsc run without the bundler after it (npx tsc -p .) leaves the bundle stale: the compiled modules
// then run as they are, only slower. (A packaged prec has no .tsbuildinfo.)
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const main = existsSync(bundle) && mtime(bundle) >= mtime(tsBuild) ? bundle : compiled;
if (!existsSync(main)) {
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
  await (await import(main.href)).main(root, process.argv.slice(2));
} catch (err) {
  // Failures before the command runs (oclif's own loading) still end as one line.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`prec: ${message.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0]}\n`);
  process.exitCode = 1;
}
