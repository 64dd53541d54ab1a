// Runs the compiled tests with node's own runner: unit tests in parallel, then the end-to-end
// tests one file at a time, since each starts a real precd that sees every exec on the host.
// Ends with one combined `N passed, N failed` line, as the two runs each print their own summary.
import { readdirSync, existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2];
const scratch = mkdtempSync(join(tmpdir(), 'prec-test-run-'));

function testFiles(dir) {
  const abs = join(root, 'build', 'test', dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .filter((f) => String(f).endsWith('.test.js'))
    .map((f) => join(abs, String(f)))
    .sort();
}

function run(name, files, concurrency) {
  if (files.length === 0) return { status: 0, pass: 0, fail: 0, skip: 0 };
  const tap = join(scratch, `${name}.tap`);
  const args = [
    '--enable-source-maps', '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number((text.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  return { status: r.status ?? 1, pass: count('pass'), fail: count('fail') + count('cancelled'), skip: count('skipped') };
}

const results = [];
if (!which || which === 'unit') results.push(run('unit', testFiles('unit'), 2));
if (!which || which === 'e2e') results.push(run('e2e', testFiles('e2e'), 1));
rmSync(scratch, { recursive: true, force: true });

const total = results.reduce((a, r) => ({ pass: a.pass + r.pass, fail: a.fail + r.fail, skip: a.skip + r.skip }), { pass: 0, fail: 0, skip: 0 });
const status = results.some((r) => r.status !== 0) ? 1 : 0;
if (status !== 0 && total.fail === 0) total.fail = 1; // a runner that died without a summary still fails
console.log(`\ntests: ${total.pass} passed, ${total.fail} failed, ${total.skip} skipped`);
process.exit(status);
