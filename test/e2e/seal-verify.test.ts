// Seals end to end (SPEC section 12): the real precd seals its log with a key made by
// `precd --setup-keys`, through rotations (SIGHUP) and a clean stop; `prec verify` then passes the
// untouched files and finds each kind of tampering at its line. A second precd is killed with -9
// and restarted: the unsealed tail is reported, not a failure, and the chain goes on.
// Keys and logs live in temp dirs only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Precd, REPO_ROOT, marker, run, runPrecdSync, sleep, writeConfig } from '../helpers/precd.js';
import { readLogLines } from '../../src/log/index.js';
import { sealLine } from '../../src/seal/record.js';
import { commands, isSeal, lines, write } from '../helpers/seal-log.js';
import { loadState } from '../../src/seal/state.js';

const PREC_BIN = join(REPO_ROOT, 'bin', 'prec.js');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Verdict {
  status: number | null;
  stdout: string;
  stderr: string;
  json?: { verdict: string; mode: string; files: { file: string; verdict: string; verified: number; unsealedTail: number; interrupted: { line: number; count: number }[]; problem?: { line: number; kind: string; text: string } }[] };
}

function verify(log: string, ...args: string[]): Verdict {
  const r = spawnSync(process.execPath, [PREC_BIN, 'verify', '-i', log, ...args], { encoding: 'utf8', timeout: 60_000 });
  const out: Verdict = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  if (args.includes('json')) out.json = JSON.parse(r.stdout) as Verdict['json'];
  return out;
}


/** True when a line of the log, as prec reads it (a frame cut by kill -9 does not stop it), has `text`. */
async function logHas(path: string, text: string): Promise<boolean> {
  try {
    for await (const line of readLogLines(path)) if (line.includes(text)) return true;
  } catch {
    // not there yet
  }
  return false;
}

async function waitFor(path: string, text: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await logHas(path, text)) return;
    await sleep(50);
  }
  assert.fail(`${text} never reached ${path}`);
}



/** 1-based line of the first line after the last seal before 0-based index i: where a bad segment starts. */
function segmentStart(ls: string[], i: number): number {
  let j = i - 1;
  while (j >= 0 && !isSeal(ls[j]!)) j--;
  return j + 2;
}

/** A sealed, rotated set made by the real precd: prec.log.2, prec.log.1, prec.log; returns dir, key, mark. */
async function sealedSet(): Promise<{ dir: string; key: string; mark: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'precd-seal-'));
  dirs.push(dir);
  const config = { log_path: join(dir, 'log', 'prec.log'), lock_path: join(dir, 'precd.lock'), seal_key_path: join(dir, 'seal.key'), compress: 'no', seal_interval_s: 1, flush_interval_ms: 50 };
  const setup = runPrecdSync(['--setup-keys', '-c', writeConfig(config, dir)]);
  assert.equal(setup.status, 0, setup.stderr);
  assert.match(setup.stdout, /VERIFICATION KEY is shown now and never again/);
  const key = setup.stdout.trim().split('\n').at(-1)!;
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(runPrecdSync(['--setup-keys', '-c', join(dir, 'precd.conf')]).status, 1, 'never replaces a key file');
  const precd = await Precd.start({ dir, config });
  const log = precd.logPath;
  const mark = marker('seal');
  try {
    for (let round = 0; round < 3; round++) {
      commands(`${mark}r${round}`, 12);
      await waitFor(log, `${mark}r${round}-11`);
      await sleep(1500); // a periodic seal covers them
      if (round === 2) break;
      if (round === 1) renameSync(`${log}.1`, `${log}.2`);
      renameSync(log, `${log}.1`);
      precd.child.kill('SIGHUP');
      await waitFor(log, '"record_type":"seal"');
    }
  } finally {
    assert.equal((await precd.stop()).code, 0);
  }
  return { dir, key, mark };
}

/** A copy of the log dir to tamper with. */
function copyLogs(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), 'precd-seal-copy-'));
  dirs.push(to);
  for (const f of readdirSync(join(dir, 'log'))) copyFileSync(join(dir, 'log', f), join(to, f));
  return join(to, 'prec.log');
}

test('prec verify: a sealed, rotated log passes; each tampering fails at its line; seal rows are hidden', async () => {
  const { dir, key, mark } = await sealedSet();
  const log = join(dir, 'log', 'prec.log');
  const all = [...lines(`${log}.2`), ...lines(`${log}.1`), ...lines(log)];
  const seals = all.filter(isSeal).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(seals.map((s) => s.seal_seq), seals.map((_s, i) => i + 1), 'seal_seq 1, 2, ... across files');
  assert.ok(seals.some((s) => (s.records as number) > 0 && typeof s.mac === 'string'));
  for (const f of [`${log}.2`, `${log}.1`, log]) assert.ok(isSeal(lines(f)[0]!), `${f} opens with a seal`);
  const st = loadState(join(dir, 'seal.key'))!;
  assert.equal(st.sealSeq, seals.length, 'the key file holds the state after the last seal');
  assert.equal(st.epoch, seals.length);

  const ok = verify(log, '-a', '--key', key, '-o', 'json');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.deepEqual(ok.json!.files.map((f) => f.verdict), ['PASS', 'PASS', 'PASS']);
  assert.ok(ok.json!.files.every((f) => f.verified > 0 && f.unsealedTail === 0));
  const text = verify(log, '-a', '--key', key);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /prec\.log\.2: PASS: \d+ records verified \S+ \.\. \S+, seals #1\.\.#\d+/);
  assert.match(text.stdout, /mode: MAC/);
  const chainOnly = verify(log, '-a');
  assert.equal(chainOnly.status, 0);
  assert.match(chainOnly.stdout, /no verification key given: chain only/);

  // Seal rows: hidden from prec's rows unless the query names record_type=seal.
  const rows = spawnSync(process.execPath, [PREC_BIN, '-i', log, '-a', '-A', '-n', '0', '-o', 'json', '-f', 'record_type'], { encoding: 'utf8' });
  assert.equal(rows.status, 0, rows.stderr);
  assert.doesNotMatch(rows.stdout, /seal/);
  assert.equal(rows.stderr, '', 'seal lines are records, not skipped lines');
  const sealRows = spawnSync(process.execPath, [PREC_BIN, '-i', log, '-a', '-q', 'record_type=seal', '-o', 'json', '-f', 'seal_seq,mac'], { encoding: 'utf8' });
  assert.equal(sealRows.stdout.trim().split('\n').length, seals.length);

  const sealedArgv = (ls: string[]) => ls.findIndex((l) => l.includes(`${mark}r1-3`) && l.includes('"record_type":"start"'));
  const cases: { name: string; tamper: (log: string) => void; file: string; kind: string; line: (log: string) => number }[] = [];
  let expectLine = 0;
  const at = (n: () => number) => () => n();
  cases.push({
    name: 'one byte of a sealed argv edited',
    tamper: (l) => {
      const ls = lines(`${l}.1`);
      const i = sealedArgv(ls);
      expectLine = segmentStart(ls, i);
      ls[i] = ls[i]!.replace(`${mark}r1-3`, `${mark}r1-4`);
      write(`${l}.1`, ls);
    },
    file: 'prec.log.1', kind: 'changed', line: at(() => expectLine),
  });
  cases.push({
    name: 'a line deleted',
    tamper: (l) => {
      const ls = lines(`${l}.1`);
      const i = sealedArgv(ls);
      expectLine = segmentStart(ls, i);
      ls.splice(i, 1);
      write(`${l}.1`, ls);
    },
    file: 'prec.log.1', kind: 'deleted', line: at(() => expectLine),
  });
  cases.push({
    name: 'a forged line inserted',
    tamper: (l) => {
      const ls = lines(`${l}.1`);
      const i = sealedArgv(ls);
      expectLine = segmentStart(ls, i);
      ls.splice(i + 1, 0, ls[i]!.replace(`${mark}r1-3`, 'rm -rf /evidence'));
      write(`${l}.1`, ls);
    },
    file: 'prec.log.1', kind: 'inserted', line: at(() => expectLine),
  });
  cases.push({
    name: 'two sealed lines swapped',
    tamper: (l) => {
      const ls = lines(`${l}.1`);
      const i = sealedArgv(ls);
      const j = ls.findIndex((x) => x.includes(`${mark}r1-4`) && x.includes('"record_type":"start"'));
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      expectLine = i + 1;
      write(`${l}.1`, ls);
    },
    file: 'prec.log.1', kind: 'reordered', line: at(() => expectLine),
  });
  cases.push({ name: 'prec.log.1 deleted', tamper: (l) => unlinkSync(`${l}.1`), file: 'prec.log', kind: 'seal-seq-gap', line: () => 1 });
  cases.push({
    name: 'the last sealed part of prec.log.1 cut off',
    tamper: (l) => {
      const ls = lines(`${l}.1`);
      write(`${l}.1`, ls.slice(0, ls.length - 3));
    },
    file: 'prec.log', kind: 'seal-seq-gap', line: () => 1,
  });
  cases.push({
    name: 'an earlier epoch re-sealed with the stolen current key file',
    tamper: (l) => {
      const ls = lines(`${l}.2`);
      const i = ls.findIndex((x) => x.includes(`${mark}r0-5`) && x.includes('"record_type":"start"'));
      ls[i] = ls[i]!.replace(`${mark}r0-5`, 'innocent');
      const s = ls.findIndex((x, k) => k > i && isSeal(x));
      const prevSeal = ls.slice(0, segmentStart(ls, i) - 1).filter(isSeal).at(-1)!;
      const h = createHash('sha256').update(Buffer.from(JSON.parse(prevSeal).chain as string, 'hex'));
      for (let k = segmentStart(ls, i) - 1; k < s; k++) h.update(`${ls[k]}\n`);
      const old = JSON.parse(ls[s]!) as Record<string, unknown>;
      ls[s] = sealLine({ timestamp: old.timestamp as string, seal_seq: old.seal_seq as number, epoch: old.epoch as number, records: old.records as number, chain: h.digest('hex'), prev_mac: old.prev_mac as string }, st.key);
      expectLine = s + 1;
      write(`${l}.2`, ls);
    },
    file: 'prec.log.2', kind: 'bad-mac', line: at(() => expectLine),
  });
  for (const c of cases) {
    const copy = copyLogs(dir);
    c.tamper(copy);
    const r = verify(copy, '-a', '--key', key, '-o', 'json');
    assert.equal(r.status, 1, `${c.name}: ${r.stdout}${r.stderr}`);
    const bad = r.json!.files.find((f) => f.verdict === 'FAIL')!;
    assert.ok(bad, c.name);
    assert.equal(bad.file.endsWith(`/${c.file}`), true, `${c.name}: ${bad.file}`);
    assert.equal(bad.problem!.kind, c.kind, `${c.name}: ${JSON.stringify(bad.problem)}`);
    assert.equal(bad.problem!.line, c.line(copy), `${c.name}: ${JSON.stringify(bad.problem)}`);
  }

  // logrotate re-compressing a rotated file changes no line: still PASS.
  const gz = copyLogs(dir);
  assert.equal(run('gzip', [`${gz}.1`]).status, 0);
  const g = verify(gz, '-a', '--key', key, '-o', 'json');
  assert.equal(g.status, 0, g.stdout);
  assert.ok(g.json!.files[1]!.file.endsWith('prec.log.1.gz'));

  // A wrong verification key: could not verify (exit 2), as for a malformed one.
  const wrong = verify(log, '-a', '--key', 'ab'.repeat(32));
  assert.equal(wrong.status, 2, wrong.stdout);
  assert.match(wrong.stdout, /CANNOT VERIFY: the key verifies no seal at all/);
  const bad = verify(log, '-a', '--key', 'nothex');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^prec: bad verification key/);
});

test('kill -9 then restart: PASS with the unsealed tail reported, and the chain continues in the new frame', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'precd-seal-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'log'));
  const config = { seal_interval_s: 3600, compress: 'zstd' };
  const setup = runPrecdSync(['--setup-keys', '-c', writeConfig({ seal_key_path: join(dir, 'seal.key') }, dir)]);
  assert.equal(setup.status, 0, setup.stderr);
  const key = setup.stdout.trim().split('\n').at(-1)!;
  const mark = marker('kill');
  const first = await Precd.start({ dir, config });
  commands(`${mark}a`, 5);
  await waitFor(first.logPath, `${mark}a-4`);
  first.child.kill('SIGKILL');
  await first.exited;
  const second = await Precd.start({ dir, config });
  commands(`${mark}b`, 5);
  await waitFor(second.logPath, `${mark}b-4`);
  assert.equal((await second.stop()).code, 0);

  const all: string[] = [];
  for await (const line of readLogLines(second.logPath)) all.push(line);
  const seals = all.filter(isSeal).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(seals.map((s) => [s.seal_seq, s.epoch, s.records]).slice(0, 2), [[1, 0, 0], [2, 1, 0]], 'opening seals of both runs');
  assert.equal(seals[1]!.prev_mac, seals[0]!.mac, 'the restarted precd goes on from the saved state');
  assert.equal(seals[1]!.chain, seals[0]!.chain);
  const r = verify(second.logPath, '--key', key, '-o', 'json');
  assert.equal(r.status, 0, JSON.stringify(r.json));
  const f = r.json!.files[0]!;
  assert.equal(f.verdict, 'PASS');
  assert.equal(f.interrupted.length, 1);
  assert.ok(f.interrupted[0]!.count >= 10, 'the killed run\'s 5 starts and 5 ends are its unsealed tail');
  assert.equal(f.interrupted[0]!.line, 2);
  const t = verify(second.logPath, '--key', key);
  assert.match(t.stdout, /unsealed tail of an interrupted run: \d+ line\(s\) from line 2/);
});

test('chain-only precd (no key file) restarted twice: seal_seq keeps rising across the three runs, one chain, PASS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'precd-seal-'));
  dirs.push(dir);
  const config = { seal_interval_s: 1, compress: 'zstd' };
  const mark = marker('chainonly');
  const runs: number[][] = [];
  let logPath = '';
  for (let i = 0; i < 3; i++) {
    const precd = await Precd.start({ dir, config });
    logPath = precd.logPath;
    assert.match(precd.stderr, /no seal key file at .*: seals carry the hash chain only/);
    commands(`${mark}r${i}`, 4);
    await waitFor(logPath, `${mark}r${i}-3`);
    await sleep(1500); // a periodic seal covers them
    assert.equal((await precd.stop()).code, 0);
    const seqs: number[] = [];
    for await (const line of readLogLines(logPath)) if (isSeal(line)) seqs.push((JSON.parse(line) as { seal_seq: number }).seal_seq);
    runs.push(seqs.slice(runs.flat().length));
  }
  assert.ok(runs.every((r) => r.length >= 2), `each run wrote an opening seal and at least one more: ${JSON.stringify(runs)}`);
  const all = runs.flat();
  assert.deepEqual(all, all.map((_s, i) => i + 1), `seal_seq 1, 2, ... strictly increasing across restarts: ${JSON.stringify(runs)}`);
  assert.ok(!existsSync(join(dir, 'seal.key')), 'no key file was made');
  assert.match(readFileSync(join(dir, 'seal.chain'), 'utf8'), new RegExp(`^prec-seal-chain 1\\nseal_seq ${all.at(-1)}\\n`));
  const r = verify(logPath, '-o', 'json');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.json!.mode, 'chain-only');
  assert.equal(r.json!.files[0]!.verdict, 'PASS');
  const t = verify(logPath);
  assert.doesNotMatch(t.stdout, /new chain begins/, 'the restarts continue the chain');
  assert.match(t.stdout, new RegExp(`seals #1\\.\\.#${all.at(-1)}`));

  // Then keys are set up: the keyed seals go on from seal.chain (seal_seq is never reset).
  const setup = runPrecdSync(['--setup-keys', '-c', join(dir, 'precd.conf')]);
  assert.equal(setup.status, 0, setup.stderr);
  const precd = await Precd.start({ dir, config });
  commands(`${mark}keyed`, 4);
  await waitFor(logPath, `${mark}keyed-3`);
  await sleep(1500);
  assert.equal((await precd.stop()).code, 0);
  const keyed: { seal_seq: number; epoch: number; mac?: string }[] = [];
  for await (const line of readLogLines(logPath)) if (isSeal(line)) keyed.push(JSON.parse(line) as { seal_seq: number; epoch: number; mac?: string });
  const after = keyed.slice(all.length);
  assert.ok(after.length >= 2, JSON.stringify(after));
  assert.deepEqual(after.map((x) => x.seal_seq), after.map((_x, i) => all.length + 1 + i), 'the keyed run goes on from the chain-only seal_seq');
  assert.ok(after.every((x) => typeof x.mac === 'string' && x.epoch === x.seal_seq - 1));
  const whole = verify(logPath, '-o', 'json');
  assert.equal(whole.status, 0, whole.stdout + whole.stderr);
  assert.equal(whole.json!.files[0]!.verdict, 'PASS');
  assert.doesNotMatch(verify(logPath).stdout, /new chain begins/, 'one chain across the change to keyed seals');
});
