// prec's list-mode prefilter (src/cli/prefilter.ts) must not change what prec prints: for a set of
// queries over logs written the way other programs write JSON (`": "` spacing, keys in another
// order, \u-escaped non-ASCII, '\/'), with ends near and far, fail and loss rows and garbage lines,
// the output with the prefilter equals the output without it (PREC_NO_PREFILTER=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { end, fail, loss, prec, start, tempDir, type Rec } from './prec-cli-fixtures.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** precd's compact form, Python's `json.dumps` form (spaces, ASCII only, '\/'), and reversed keys with tabs. */
function serialize(rec: Rec, style: number): string {
  const entries = Object.entries(rec).filter(([, v]) => v !== undefined);
  if (style === 0) return JSON.stringify(Object.fromEntries(entries));
  const ascii = (s: string): string =>
    s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/');
  if (style === 1) return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${ascii(JSON.stringify(v))}`).join(', ')}}`;
  return `{ ${entries.reverse().map(([k, v]) => `${JSON.stringify(k)} :\t${JSON.stringify(v)}`).join(' ,')} }`;
}

const USERS = ['alice', 'nginx', 'root', 'josé', 'www-data', 'nginx-x'];
const ARGVS = [
  ['ls', '-la', '/tmp'],
  ['sh', '-c', 'echo aGVsbG8= | base64 -d'],
  ['curl', '-s', 'https://x.example/a'],
  ['nginx', '-t'],
  ['grep', 'nginx', '/etc/passwd'],
  ['echo', 'naïve café'],
  ['base64', '--decode'],
  ['sleep', '100'],
];

function makeLog(commands: number): string[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines: string[] = [];
  const open: Array<{ s: Rec; due: number }> = [];
  let t = 0;
  let lostTotal = 0;
  const put = (rec: Rec): void => {
    lines.push(serialize(rec, Math.floor(r() * 3)));
  };
  for (let i = 0; i < commands; i++) {
    t += 0.01;
    const user = pick(USERS);
    const argv = pick(ARGVS);
    const system = r() < 0.3;
    const s = start(t, {
      argv,
      user,
      group: r() < 0.2 ? 'nginx' : user,
      cwd: pick(['/home/alice', '/var/www', '/']),
      source: system ? 'system' : 'user',
      parent_comm: system ? 'nginx' : 'bash',
    });
    put(s);
    const x = r();
    // Most end soon, some far later (beyond a small merge window), some never.
    if (x < 0.8) open.push({ s, due: i + 1 + Math.floor(r() * 5) });
    else if (x < 0.9) open.push({ s, due: i + 200 + Math.floor(r() * 400) });
    for (let k = open.length - 1; k >= 0; k--) {
      if (open[k]!.due > i) continue;
      const e = open.splice(k, 1)[0]!;
      const killed = r() < 0.1;
      put(end(e.s, t + 0.005, killed ? { exit_status: 137, signal: 'SIGKILL' } : { exit_status: r() < 0.2 ? 1 : 0 }));
    }
    const y = r();
    if (y < 0.03) put(fail(t, { user: pick(USERS), argv: [pick(['./nothere', 'nginx-reload'])] }));
    else if (y < 0.04) {
      lostTotal += 3;
      put(loss(t, 3, lostTotal));
    } else if (y < 0.05) lines.push(pick(['not json at all', '{"cut": "short', '', '[1,2,3]', '   ']));
    else if (y < 0.055) lines.push('\ufeff' + serialize(start(t, { user: 'nginx', argv: ['bom'] }), 0));
  }
  return lines;
}

const dir = tempDir();
const lines = makeLog(7000);
const PLAIN = join(dir, 'mixed.log');
writeFileSync(PLAIN, lines.map((l, i) => l + (i % 97 === 5 ? '\r\n' : '\n')).join(''));
// zstd in three frames, so that lines span frames and the decoder's 1 MiB output blocks.
const ZSTD = join(dir, 'mixed.log.zst');
{
  const third = Math.floor(lines.length / 3);
  const parts = [lines.slice(0, third), lines.slice(third, 2 * third), lines.slice(2 * third)].map((ls) => {
    const z = spawnSync('zstd', ['-q', '-c'], { input: ls.map((l) => l + '\n').join('') });
    assert.equal(z.status, 0, String(z.stderr));
    return z.stdout;
  });
  writeFileSync(ZSTD, Buffer.concat(parts));
}

/** prec with and without the prefilter: same status, stdout and stderr. Returns the row count. */
function same(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const fast = prec(args, { env });
  const slow = prec(args, { env: { ...env, PREC_NO_PREFILTER: '1' } });
  assert.equal(slow.status, 0, `${args.join(' ')}: ${slow.stderr}`);
  assert.equal(fast.status, slow.status, args.join(' '));
  assert.equal(fast.stderr, slow.stderr, `stderr of ${args.join(' ')}`);
  // Compared as whole texts: an order or value difference anywhere fails.
  assert.ok(fast.stdout === slow.stdout, `stdout of ${args.join(' ')} differs`);
  return slow.stdout.split('\n').filter((l) => l !== '').length;
}

const CASES: Array<{ q: string[]; args?: string[]; rows: 'some' | 'any' }> = [
  { q: ['user=nginx'], rows: 'some' },
  { q: ['user=nginx'], args: ['-f', 'all'], rows: 'some' },
  { q: ['user=nginx', 'exit_status!=0'], rows: 'some' },
  { q: ['user~=ngi && signal=SIGKILL'], args: ['-f', '+exit_status,signal,duration'], rows: 'some' },
  { q: ['argv~=base64'], args: ['-f', 'all'], rows: 'some' },
  { q: ['command="curl -s https://x.example/a"'], args: ['-f', 'all'], rows: 'some' },
  { q: ['command~="base64 -d"'], rows: 'some' },
  { q: ['user=nginx || record_type=loss'], args: ['-f', 'all'], rows: 'some' },
  { q: ['!user=nginx'], args: ['-n', '25', '-f', 'all'], rows: 'some' },
  { q: ['user!=nginx && comm=sh'], rows: 'some' },
  { q: ['source=system && group=nginx'], args: ['-f', 'all'], rows: 'some' },
  { q: ['user=josé'], args: ['-f', 'all'], rows: 'some' },
  { q: ['comm=sh && user=nginx'], args: ['-n', '7', '-f', 'all'], rows: 'some' },
  { q: ['exec_error~=such && user=nginx'], args: ['-f', 'all'], rows: 'some' },
  { q: ['user=nginx && comm=nomatch'], rows: 'any' },
  { q: ['argv=bom'], rows: 'some' },
  // SPEC 7's hunting operators: ^= and $= give needles, caseless values and ! forms give none.
  { q: ['user^=ngi && command$="base64 -d"'], args: ['-f', 'all'], rows: 'some' },
  { q: ['user="NGINX"i && exe!^=/usr/sbin'], rows: 'some' },
  { q: ['command/="^sh -c .*base64"'], rows: 'some' },
  // Issue 19: number and timestamp ranges read from the bytes, regexes by their literal runs.
  { q: ['pid>=3000 && pid<3500'], args: ['-f', 'all'], rows: 'some' },
  { q: ['timestamp>=2026-11-22T15:00:20+09:00 && timestamp<2026-11-22T15:00:30+09:00'], args: ['-f', 'all'], rows: 'some' },
  { q: ['timestamp>=2026-11-22T06:00:50Z', 'user=nginx'], args: ['-f', '+exit_status,signal'], rows: 'some' },
  { q: ['uid=1000 && pid<1500 && exit_status!=0'], rows: 'some' },
  { q: ['pid>7000 || user=nginx'], args: ['-n', '30'], rows: 'some' },
  { q: ['command/="base64 +-d"'], args: ['-f', 'all'], rows: 'some' },
  { q: ['exe/="^/usr/bin/(curl|nginx)$" && pid<=5000'], rows: 'some' },
];

for (const c of CASES) {
  const args = ['-A', ...c.q.flatMap((q) => ['-q', q]), ...(c.args ?? []), '-o', 'json', '--full-time'];
  test(`same output with and without the prefilter: ${c.q.join(' -q ')} ${(c.args ?? []).join(' ')}`, () => {
    const n = same(['-i', ZSTD, ...args]);
    if (c.rows === 'some') assert.ok(n > 0, 'the fixture has matching rows');
    const m = same(['-i', PLAIN, ...args]);
    if (c.rows === 'some') assert.ok(m > 0, 'the plain fixture has matching rows');
  });
}

test('same output when ends lie beyond the merge window (the second pass for late ends sees the same lines)', () => {
  const n = same(['-i', ZSTD, '-A', '-q', 'user=nginx', '-f', 'all', '-o', 'json'], { PREC_MERGE_WINDOW: '50' });
  assert.ok(n > 0);
});

test('bad lines are counted the same way, invalid UTF-8 included', () => {
  const path = join(dir, 'bad.log');
  const good = lines.slice(0, 400).filter((l) => l.startsWith('{') && l.endsWith('}'));
  writeFileSync(path, Buffer.concat([Buffer.from(good.slice(0, 200).join('\n') + '\nnot a record\n'), Buffer.from([0xff, 0xfe, 0x20, 0x78, 0x0a]), Buffer.from(good.slice(200).join('\n') + '\n')]));
  const r = prec(['-i', path, '-A', '-q', 'user=nginx']);
  assert.match(r.stderr, /skipped 2 lines/);
  same(['-i', path, '-A', '-q', 'user=nginx']);
});

test('documented approximation: broken JSON that looks like an object and lacks the value is not counted', () => {
  const path = join(dir, 'approx.log');
  writeFileSync(path, lines.slice(0, 50).join('\n') + '\n{"user": oops}\n');
  const fast = prec(['-i', path, '-A', '-q', 'user=nginx']);
  const slow = prec(['-i', path, '-A', '-q', 'user=nginx'], { env: { PREC_NO_PREFILTER: '1' } });
  assert.equal(fast.stdout, slow.stdout);
  assert.match(slow.stderr, /skipped 1 line /);
  assert.doesNotMatch(fast.stderr, /skipped/);
});

test('same output with --all-logs when a rotated file ends in a start without its newline and the next file has its end', () => {
  const rot = tempDir();
  const s = start(1, { user: 'nginx', argv: ['nginx', '-s', 'reload'] });
  const other = start(2, { user: 'root' });
  writeFileSync(join(rot, 'prec.log.1'), `${serialize(other, 0)}\n${serialize(s, 1)}`);
  writeFileSync(join(rot, 'prec.log'), `${serialize(end(other, 3), 0)}\n${serialize(end(s, 4, { exit_status: 3 }), 2)}\n`);
  const args = ['-i', join(rot, 'prec.log'), '-a', '-A', '-q', 'user=nginx', '-f', 'all', '-o', 'json'];
  assert.equal(same(args), 1);
  assert.match(prec(args).stdout, /"exit_status":3/);
});
