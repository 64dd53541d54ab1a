#!/usr/bin/env node
// precd launcher: the daemon is compiled TypeScript under build/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../build/src/daemon/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('precd is not built yet: run npm run setup\n');
  process.exit(1);
}
await import(pathToFileURL(main).href);
