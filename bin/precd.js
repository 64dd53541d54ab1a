#!/usr/bin/env -S node --max-semi-space-size=8
// precd launcher: the daemon is compiled TypeScript under build/.
// The node flags above are precd's only runtime tuning, and every launcher takes them from this line
// (npm start and `just run-daemon` run this file, the .deb wrapper and the tests read the line):
// V8's young generation otherwise grows to 2 x 16 MiB under an exec storm, a third of precd's RSS
// (docs/benchmarks.md, "precd RSS").
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../build/src/daemon/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('precd is not built yet: run npm run setup\n');
  process.exit(1);
}
await import(pathToFileURL(main).href);
