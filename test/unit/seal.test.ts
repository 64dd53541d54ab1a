// src/seal: the chain, key evolution, seal records, the key file, precd's Sealer and the Verifier,
// against the definitions written in their headers (recomputed here independently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainSegment, ZERO_CHAIN } from '../../src/seal/chain.js';
import { EpochKeys, evolveKey, parseVerificationKey } from '../../src/seal/keys.js';
import { macInput, parseSeal, sealLine, ZERO_MAC } from '../../src/seal/record.js';
import { chainStatePath, loadChainState, loadState, saveChainState, saveState, setupKeys, SealStateError, type ChainState, type SealState } from '../../src/seal/state.js';
import { Sealer } from '../../src/seal/sealer.js';
import { LogWriter } from '../../src/daemon/writer.js';
import { CHUNK_BYTES } from '../../src/daemon/output/batch.js';
import { Verifier, type FileReport } from '../../src/seal/verify.js';
import { recordKeys } from '../../src/schema/index.js';

const sha = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

test('chain_k = SHA-256(chain_{k-1} || each line + "\\n"), over the exact UTF-8 bytes, also past the 64 KiB gathering', () => {
  const lines = ['{"a":"é"}', '', 'x'.repeat(70_000), '{"b":"\u2028"}'];
  const seg = new ChainSegment(ZERO_CHAIN);
  for (const l of lines) seg.add(l);
  const expected = sha(ZERO_CHAIN, ...lines.map((l) => Buffer.from(`${l}\n`, 'utf8')));
  assert.deepEqual(seg.value(), expected);
  assert.equal(seg.count, 4);
  const copy = seg.copy();
  seg.add('more');
  assert.deepEqual(copy.value(), expected, 'a copy does not see later lines');
  assert.deepEqual(seg.value(), sha(ZERO_CHAIN, ...lines.map((l) => `${l}\n`), 'more\n'));
});

test('key(e+1) = HMAC-SHA256(key(e), "prec-seal-evolve"); EpochKeys derives forward only', () => {
  const k0 = randomBytes(32);
  const k1 = createHmac('sha256', k0).update('prec-seal-evolve').digest();
  assert.deepEqual(evolveKey(k0), k1);
  const keys = new EpochKeys(k0);
  assert.deepEqual(keys.at(0), k0);
  assert.deepEqual(keys.at(2), evolveKey(k1));
  assert.equal(keys.at(1), undefined, 'no way back to an earlier epoch');
  assert.equal(keys.at(2 ** 52), undefined, 'an absurd epoch is refused, not computed');
  assert.deepEqual(parseVerificationKey(` ${k0.toString('hex').toUpperCase()}\n`), k0);
  assert.equal(parseVerificationKey('abc'), undefined);
});

test('a seal line has the catalogue key order; its MAC is HMAC(key, the line without its mac member)', () => {
  const key = randomBytes(32);
  const f = { timestamp: '2026-12-07T10:00:00.000000001+00:00', seal_seq: 3, epoch: 2, records: 7, chain: 'ab'.repeat(32), prev_mac: 'cd'.repeat(32) };
  const line = sealLine(f, key);
  assert.deepEqual(Object.keys(JSON.parse(line)), [...recordKeys('seal')]);
  const body = JSON.stringify({ timestamp: f.timestamp, record_type: 'seal', seal_seq: 3, epoch: 2, records: 7, chain: f.chain, prev_mac: f.prev_mac });
  assert.equal(macInput(line), body);
  assert.equal(JSON.parse(line).mac, createHmac('sha256', key).update(body).digest('hex'));
  const chainOnly = sealLine(f, undefined);
  assert.equal(chainOnly, JSON.stringify({ timestamp: f.timestamp, record_type: 'seal', seal_seq: 3, epoch: 2, records: 7, chain: f.chain }));
  assert.equal(macInput(chainOnly), undefined);
  assert.equal(typeof parseSeal(line), 'object');
  assert.match(parseSeal(line.replace('"records":7', '"records":-1')) as string, /records/);
});

test('the key file: 0600, atomic replace, symlinks and readable files refused, setup refuses to overwrite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-unit-'));
  try {
    const path = join(dir, 'sub', 'seal.key');
    const k0 = setupKeys(path);
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.deepEqual(loadState(path), { epoch: 0, key: k0, sealSeq: 0, chain: ZERO_CHAIN, mac: ZERO_MAC });
    assert.throws(() => setupKeys(path), /already exists/);
    const s: SealState = { epoch: 9, key: randomBytes(32), sealSeq: 9, chain: randomBytes(32), mac: 'ef'.repeat(32) };
    saveState(path, s);
    assert.deepEqual(loadState(path), s);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['seal.key'], 'no temporary file left');
    chmodSync(path, 0o644);
    assert.throws(() => loadState(path), /readable or writable by others/);
    const link = join(dir, 'link.key');
    symlinkSync(path, link);
    assert.throws(() => loadState(link), SealStateError);
    assert.equal(loadState(join(dir, 'none.key')), undefined);
    writeFileSync(join(dir, 'bad.key'), 'hello\n', { mode: 0o600 });
    assert.throws(() => loadState(join(dir, 'bad.key')), /not a prec sealing state/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A sealed log made by the Sealer: opening seal, then `segments` of lines each closed by a seal. */
function sealedLog(key: Buffer | SealState | undefined, segments: number[][], chainOnly?: ChainState): { lines: string[]; saved: SealState[] } {
  const saved: SealState[] = [];
  const state = Buffer.isBuffer(key) ? { epoch: 0, key, sealSeq: 0, chain: ZERO_CHAIN, mac: ZERO_MAC } : key;
  const s = new Sealer({ state, chainOnly, persist: (x) => saved.push(x), now: () => '2026-12-07T10:00:00.000000000+00:00', report: () => {} });
  const lines: string[] = [];
  const out = { write: (l: string) => lines.push(l) };
  s.opened(out);
  s.committed();
  for (const seg of segments) {
    for (const n of seg) s.line(JSON.stringify({ timestamp: `2026-12-07T10:00:${String(n).padStart(2, '0')}.0+00:00`, event_id: `20261207100000-${n}`, argv: ['echo', `n${n}`], record_type: 'start' }), out);
    s.tick(out);
    s.committed();
  }
  return { lines, saved };
}

function verify(lines: string[], key?: Buffer): FileReport {
  const v = new Verifier(key);
  v.beginFile('f');
  for (const l of lines) v.line(l);
  return v.endFile();
}

test('Sealer + Verifier: an untouched log passes, with and without the key; the state evolves after each seal', () => {
  const key = randomBytes(32);
  const { lines, saved } = sealedLog(key, [[1, 2, 3], [4, 5]]);
  assert.equal(lines.length, 8);
  const r = verify(lines, key);
  assert.equal(r.verdict, 'PASS', JSON.stringify(r));
  assert.equal(r.verified, 5);
  assert.deepEqual([r.firstSeal, r.lastSeal], [1, 3]);
  assert.equal(verify(lines).verdict, 'PASS');
  assert.deepEqual(saved.map((s) => [s.epoch, s.sealSeq]), [[1, 1], [2, 2], [3, 3]]);
  assert.deepEqual(saved[2]!.key, evolveKey(evolveKey(evolveKey(key))));
  assert.equal(saved[2]!.mac, JSON.parse(lines[7]!).mac);
});

test('Verifier: each kind of tampering is found, at the first bad line, with what is wrong', () => {
  const key = randomBytes(32);
  const { lines } = sealedLog(key, [[1, 2, 3], [4, 5, 6]]);
  const cases: [string, (l: string[]) => void, string, number][] = [
    ['one byte changed', (l) => (l[2] = l[2]!.replace('n2', 'n7')), 'changed', 2],
    ['a line deleted', (l) => l.splice(6, 1), 'deleted', 6],
    ['a line inserted', (l) => l.splice(2, 0, l[2]!.replace('n2', 'evil')), 'inserted', 2],
    ['two lines swapped', (l) => ([l[1], l[2]] = [l[2]!, l[1]!]), 'reordered', 2],
    ['a seal deleted', (l) => l.splice(4, 1), 'seal-seq-jump', 8],
    ['a seal MAC changed', (l) => (l[4] = l[4]!.replace(/"mac":"(.)/, (_m, c: string) => `"mac":"${c === 'a' ? 'b' : 'a'}`)), 'bad-mac', 5],
    ['a line after the last seal ... is only an unsealed tail', (l) => l.push(l[1]!), '', 0],
  ];
  for (const [name, edit, kind, line] of cases) {
    const copy = [...lines];
    edit(copy);
    const r = verify(copy, key);
    if (kind === '') {
      assert.equal(r.verdict, 'PASS', name);
      assert.equal(r.unsealedTail, 1, name);
      continue;
    }
    assert.equal(r.verdict, 'FAIL', name);
    assert.equal(r.problem?.kind, kind, `${name}: ${JSON.stringify(r.problem)}`);
    assert.equal(r.problem?.line, line, `${name}: ${JSON.stringify(r.problem)}`);
  }
});

test('CVE-2023-31439: a seal re-made with a later epoch key (stolen key file) fails, labelled with either epoch', () => {
  const key = randomBytes(32);
  const { lines, saved } = sealedLog(key, [[1, 2], [3, 4], [5]]);
  const stolen = saved.at(-1)!; // the key file after the last seal: key(4)
  const forged = [...lines]; // seal #1, n1, n2, seal #2, n3, n4, seal #3, n5, seal #4
  forged[7] = forged[7]!.replace('n5', 'n9');
  const seal4 = JSON.parse(forged[8]!) as Record<string, unknown>;
  const chain = sha(Buffer.from(JSON.parse(forged[6]!).chain as string, 'hex'), `${forged[7]}\n`).toString('hex');
  for (const epoch of [seal4.epoch as number, stolen.epoch]) {
    forged[8] = sealLine({ timestamp: seal4.timestamp as string, seal_seq: 4, epoch, records: 1, chain, prev_mac: seal4.prev_mac as string }, stolen.key);
    const r = verify(forged, key);
    assert.equal(r.verdict, 'FAIL');
    assert.equal(r.problem?.kind, 'bad-mac');
    assert.equal(r.problem?.line, 9);
    assert.equal(r.verified, 4, 'everything sealed before stays verified');
  }
  // Without the key, only the chain is checked: the same forgery passes (why a key is needed).
  assert.equal(verify(forged).verdict, 'PASS');
});

test('a write error rolls the chain and the state back to the last flush point', () => {
  const key = randomBytes(32);
  const saved: SealState[] = [];
  const s = new Sealer({ state: { epoch: 0, key, sealSeq: 0, chain: ZERO_CHAIN, mac: ZERO_MAC }, persist: (x) => saved.push(x), now: () => 't', report: () => {} });
  const file: string[] = [];
  let batch: string[] = [];
  const out = { write: (l: string) => batch.push(l) };
  const commit = () => {
    file.push(...batch);
    batch = [];
    s.committed();
  };
  s.opened(out);
  commit();
  s.line('{"timestamp":"t","event_id":"x-1"}', out);
  commit();
  s.line('{"timestamp":"t","event_id":"x-2"}', out);
  s.tick(out); // seal #2, then the flush fails
  batch = [];
  s.discarded();
  assert.equal(saved.length, 1, 'the discarded seal was never saved');
  s.line('{"timestamp":"t","event_id":"x-3"}', out);
  s.tick(out);
  commit();
  const r = verify(file, key);
  assert.equal(r.verdict, 'PASS', JSON.stringify(r));
  assert.equal(r.verified, 2);
  assert.equal(saved.at(-1)!.sealSeq, 2);
});

test('chain-only: a restart (seal_seq 1 again) begins a new chain; an interrupted run is an unsealed tail', () => {
  const a = sealedLog(undefined, [[1, 2]]).lines;
  const b = sealedLog(undefined, [[3]]).lines;
  const r = verify([...a, a[1]!, ...b]);
  assert.equal(r.verdict, 'PASS', JSON.stringify(r));
  assert.equal(r.verified, 3);
  assert.match(r.notes.join('\n'), /new chain begins/);
  const key = randomBytes(32);
  assert.equal(verify(a, key).problem?.kind, 'no-mac', 'a key given to a chain-only log');
});

test('chain-only: the state saved after each seal carries seal_seq and the chain into the next run', () => {
  const a = sealedLog(undefined, [[1, 2], [3]]);
  assert.deepEqual(a.saved.map((s) => s.sealSeq), [1, 2, 3], 'saved after every seal, as with a key');
  const last = a.saved.at(-1)!;
  const b = sealedLog(undefined, [[4]], { sealSeq: last.sealSeq, chain: last.chain });
  const seals = b.lines.filter((l) => l.includes('"record_type":"seal"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(seals.map((s) => [s.seal_seq, s.epoch, s.records]), [[4, 3, 0], [5, 4, 1]]);
  assert.equal(seals[0]!.chain, last.chain.toString('hex'), 'the opening seal carries the chain on');
  assert.equal(seals[0]!.mac, undefined);
  const r = verify([...a.lines, a.lines[1]!, ...b.lines]);
  assert.equal(r.verdict, 'PASS', JSON.stringify(r));
  assert.deepEqual([r.firstSeal, r.lastSeal, r.verified], [1, 5, 4]);
  assert.doesNotMatch(r.notes.join('\n'), /new chain begins/);
  assert.deepEqual(r.interrupted, [{ line: 7, count: 1 }], 'the line after the last seal of the first run is its unsealed tail');
});

test('--setup-keys after chain-only runs: seal_seq and the chain go on; the keyed part verifies with key(0)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-unit-'));
  try {
    const a = sealedLog(undefined, [[1, 2], [3]]);
    const last = a.saved.at(-1)!;
    const path = join(dir, 'seal.key');
    const k0 = setupKeys(path, { sealSeq: last.sealSeq, chain: last.chain });
    const state = loadState(path)!;
    assert.deepEqual([state.epoch, state.sealSeq, state.chain], [3, 3, last.chain]);
    assert.deepEqual(state.key, evolveKey(evolveKey(evolveKey(k0))), 'the key of epoch 3, derived from key(0)');
    const b = sealedLog(state, [[4]]);
    const seals = b.lines.filter((l) => l.includes('"record_type":"seal"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(seals.map((x) => [x.seal_seq, x.epoch]), [[4, 3], [5, 4]], 'seal_seq is never reset');
    const whole = verify([...a.lines, ...b.lines]);
    assert.equal(whole.verdict, 'PASS', JSON.stringify(whole));
    assert.deepEqual([whole.firstSeal, whole.lastSeal], [1, 5]);
    assert.doesNotMatch(whole.notes.join('\n'), /new chain begins/);
    const keyed = verify(b.lines, k0);
    assert.equal(keyed.verdict, 'PASS', JSON.stringify(keyed));
    assert.equal(verify(b.lines, randomBytes(32)).verdict, 'FAIL', 'another key(0) does not verify it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seal.chain: beside the key file, saved 0600 and atomically, read back; a link or a file open to others is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-chain-'));
  try {
    const path = chainStatePath(join(dir, 'sub', 'seal.key'));
    assert.equal(path, join(dir, 'sub', 'seal.chain'));
    assert.equal(loadChainState(path), undefined);
    const chain = randomBytes(32);
    saveChainState(path, { sealSeq: 41, chain });
    saveChainState(path, { sealSeq: 42, chain });
    assert.deepEqual(loadChainState(path), { sealSeq: 42, chain });
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.equal(lstatSync(join(dir, 'sub')).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['seal.chain'], 'no temporary file left');
    chmodSync(path, 0o644);
    assert.throws(() => loadChainState(path), /seal chain file .* readable or writable by others/);
    const link = join(dir, 'link.chain');
    symlinkSync(path, link);
    assert.throws(() => loadChainState(link), /symbolic link: refused/);
    writeFileSync(join(dir, 'bad.chain'), 'prec-seal-chain 1\nseal_seq x\n', { mode: 0o600 });
    assert.throws(() => loadChainState(join(dir, 'bad.chain')), SealStateError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Sealer in the real LogWriter hashes the batch bytes: seals written as batches fill (256 KiB) and across a reopen verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-writer-'));
  try {
    const key = randomBytes(32);
    const saved: SealState[] = [];
    const path = join(dir, 'prec.log');
    const sealer = new Sealer({ state: { epoch: 0, key, sealSeq: 0, chain: ZERO_CHAIN, mac: ZERO_MAC }, persist: (x) => saved.push(x), now: () => '2026-12-07T10:00:00.000000000+00:00', report: () => {} });
    const w = new LogWriter({ path, compress: 'no', level: 0, flushIntervalMs: 60_000, report: () => {}, lossRecord: () => '{}', seal: sealer });
    w.open();
    // Batches go to the frame when they reach CHUNK_BYTES (UTF-16 units) or at a flush (every seal).
    // Lines of ~100 units fill a batch until just below that size, then a seal line (~330 units)
    // crosses it: the batch is taken while the seal is written, and the chain must skip its bytes.
    let units = 0;
    let n = 0;
    for (let round = 0; round < 6; round++) {
      if (round === 3) {
        renameSync(path, `${path}.1`);
        w.reopen();
      }
      for (;;) {
        const line = JSON.stringify({ timestamp: '2026-12-07T10:00:00.0+00:00', event_id: `20261207100000-${n}`, argv: ['x', 'é'.repeat(n % 7), 'p'.repeat(n % 40)], record_type: 'start' });
        w.write(line);
        n++;
        units += line.length + 1;
        if (units >= CHUNK_BYTES - 150) break;
      }
      w.tick();
      units = 0;
    }
    w.close();
    const v = new Verifier(key);
    const reports: FileReport[] = [];
    for (const f of [`${path}.1`, path]) {
      v.beginFile(f);
      const ls = readFileSync(f, 'utf8').split('\n');
      ls.pop();
      for (const l of ls) v.line(l);
      reports.push(v.endFile());
    }
    assert.deepEqual(reports.map((r) => r.verdict), ['PASS', 'PASS'], JSON.stringify(reports.map((r) => r.problem)));
    assert.equal(reports[0]!.verified + reports[1]!.verified, n);
    assert.equal(reports[1]!.unsealedTail, 0);
    assert.equal(saved.at(-1)!.sealSeq, reports[1]!.lastSeal);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
