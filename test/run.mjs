// Runs the compiled tests with node's own runner: unit tests in parallel, then the end-to-end
// tests one file at a time, since each starts a real precd that sees every exec on the host.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2];

function testFiles(dir) {
  const abs = join(root, 'build', 'test', dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .filter((f) => String(f).endsWith('.test.js'))
    .map((f) => join(abs, String(f)))
    .sort();
}

function run(files, concurrency) {
  if (files.length === 0) return 0;
  const args = ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

let status = 0;
if (!which || which === 'unit') status |= run(testFiles('unit'), 2);
if (!which || which === 'e2e') status |= run(testFiles('e2e'), 1);
process.exit(status);
