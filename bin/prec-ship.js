#!/usr/bin/env node
// prec-ship launcher: the shipper is compiled TypeScript under build/ (SPEC 11).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../build/src/ship/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('prec-ship is not built yet: run npm run setup\n');
  process.exit(1);
}
await import(pathToFileURL(main).href);
