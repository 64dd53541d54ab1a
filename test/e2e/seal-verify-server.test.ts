// `prec verify --server` end to end (SPEC sections 11 and 12): the real precd seals a rotated log
// every second (chain only: no key file), the real prec-ship ships it to a real clickhouse-server
// (Debian's 18.16, on a loopback port of a temp dir), and the local files are then damaged in
// copies: the end cut off, the newest file emptied, a rotated file deleted, a line changed and the
// chain recomputed (which local verification of a chain-only log cannot see). Each must FAIL with
// what and where, from the copy off the host; the untouched files PASS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ClickHouseCluster, clickhouseMissing } from '../helpers/clickhouse.js';
import { Precd, REPO_ROOT, marker, sleep } from '../helpers/precd.js';
import { runShipSync, Shipper, writeShipConfig } from '../helpers/ship.js';
import { sealLine } from '../../src/seal/record.js';
import { commands, isSeal, lines, write } from '../helpers/seal-log.js';

const skip = process.getuid?.() !== 0 ? 'needs root (precd)' : clickhouseMissing();
const PREC_BIN = join(REPO_ROOT, 'bin', 'prec.js');
const HOST = 'sealhost';
let cluster: ClickHouseCluster;
let work: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'prec-seal-server-'));
  cluster = await ClickHouseCluster.start(1);
  const ddl = runShipSync(['--print-schema']);
  assert.equal(ddl.status, 0, ddl.stderr);
  await cluster.servers[0]!.query(ddl.stdout.replace(/^--.*\n/gm, '').replace(/;\s*$/, ''));
});

after(async () => {
  if (skip) return;
  await cluster.stop();
  cluster.cleanup();
  rmSync(work, { recursive: true, force: true });
});

interface Result {
  status: number | null;
  stdout: string;
  json?: {
    verdict: string;
    files: { file: string; verdict: string }[];
    server?: { verdict: string; compared: number; matched: number; problems: { kind: string; file?: string; line?: number; text: string }[]; notes: string[] };
  };
}

function verify(log: string, ...args: string[]): Result {
  const r = spawnSync(process.execPath, [PREC_BIN, 'verify', '-i', log, '-a', '--server', cluster.servers[0]!.url, '--host', HOST, ...args], { encoding: 'utf8', timeout: 120_000 });
  const out: Result = { status: r.status, stdout: r.stdout + r.stderr };
  if (args.includes('json') && r.status !== null && r.stdout.startsWith('{')) out.json = JSON.parse(r.stdout) as Result['json'];
  return out;
}




async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A copy of the log dir to damage; returns the copy's prec.log. */
function copyLogs(dir: string): string {
  const to = mkdtempSync(join(work, 'copy-'));
  for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(to, f));
  return join(to, 'prec.log');
}

/** 1-based line of the last seal of a file. */
const lastSealLine = (path: string) => lines(path).findLastIndex(isSeal) + 1;

test('prec verify --server: PASS untouched; a cut end, an emptied newest file, a deleted rotated file, a re-chained edit FAIL with what and where', { skip, timeout: 900_000 }, async () => {
  // precd: three files (prec.log.2, prec.log.1, prec.log), each with sealed commands.
  const dir = join(work, 'precd');
  mkdirSync(dir);
  const precd = await Precd.start({ dir, config: { seal_interval_s: 1, compress: 'no' } });
  const log = precd.logPath;
  const mark = marker('sealsrv');
  try {
    for (let round = 0; round < 3; round++) {
      // Two bursts, each covered by a periodic seal (a seal is due only when lines were written
      // since the last one): every file gets its opening seal and at least two more.
      for (const burst of ['a', 'b']) {
        commands(`${mark}r${round}${burst}`, 8);
        await waitFor(`round ${round}${burst} in the log`, () => readFileSync(log, 'utf8').includes(`${mark}r${round}${burst}-7`));
        await sleep(2500);
      }
      if (round === 2) break;
      if (round === 1) renameSync(`${log}.1`, `${log}.2`);
      renameSync(log, `${log}.1`);
      precd.child.kill('SIGHUP');
      await waitFor('the reopened log', () => {
        try {
          return readFileSync(log, 'utf8').includes('"record_type":"seal"');
        } catch {
          return false;
        }
      });
    }
  } finally {
    assert.equal((await precd.stop()).code, 0);
  }
  const logDir = join(dir, 'log');
  const files = [`${log}.2`, `${log}.1`, log];
  const localSeals = files.flatMap((f) => lines(f).filter(isSeal));
  assert.ok(files.every((f) => lines(f).filter(isSeal).length >= 3), 'every file has several seals');

  // prec-ship ships the whole set; wait until the server has every seal.
  const shipper = Shipper.start(writeShipConfig(join(work, 'ship.conf'), {
    log_path: log, state_dir: join(work, 'ship-state'), host: HOST,
    sink: [{ type: 'clickhouse', url: cluster.servers[0]!.url, table: 'default.prec', batch_records: 500, batch_interval_ms: 100 }],
  }));
  try {
    await waitFor('every seal on the server', async () => {
      const n = await cluster.servers[0]!.query(`SELECT count(DISTINCT seal_seq) FROM default.prec WHERE host = '${HOST}' AND record_type = 'seal'`).catch(() => '0');
      return Number(n.trim()) === localSeals.length;
    });
  } finally {
    await shipper.stop();
  }

  // Untouched: PASS, every server seal matched.
  const ok = verify(log, '-o', 'json');
  assert.equal(ok.status, 0, ok.stdout);
  assert.equal(ok.json!.server!.verdict, 'PASS');
  assert.equal(ok.json!.server!.matched, localSeals.length);
  assert.equal(ok.json!.server!.compared, localSeals.length);
  const text = verify(log);
  assert.equal(text.status, 0, text.stdout);
  assert.match(text.stdout, new RegExp(`server http://127\\.0\\.0\\.1:\\d+ table default\\.prec host ${HOST}: PASS: ${localSeals.length} of ${localSeals.length} server seal\\(s\\) match`));

  const cases: { name: string; damage: (copy: string) => void; kind: string; file: string; line: (copy: string) => number; localVerdict: string }[] = [
    {
      // Locally this is a clean end (the log ends at a seal): only the server copy tells.
      name: 'the end of prec.log cut off after a seal',
      damage: (c) => {
        const ls = lines(c);
        const seals = ls.flatMap((l, i) => (isSeal(l) ? [i] : []));
        write(c, ls.slice(0, seals[1]! + 1));
      },
      kind: 'truncated', file: 'prec.log', line: (c) => lastSealLine(c), localVerdict: 'PASS',
    },
    {
      name: 'the newest file, prec.log, emptied',
      damage: (c) => writeFileSync(c, ''),
      kind: 'truncated', file: 'prec.log.1', line: (c) => lastSealLine(`${c}.1`), localVerdict: 'PASS',
    },
    {
      name: 'the rotated file prec.log.1 deleted',
      damage: (c) => unlinkSync(`${c}.1`),
      kind: 'deleted', file: 'prec.log.2', line: (c) => lastSealLine(`${c}.2`), localVerdict: 'FAIL',
    },
    {
      // An intruder edits a sealed line of a chain-only log and recomputes every chain after it:
      // the local chain verifies, the shipped seals do not match.
      name: 'a sealed argv in prec.log.1 changed and the chain recomputed',
      damage: (c) => rechain(c, `${mark}r1a-3`, 'innocent'),
      kind: 'differs', file: 'prec.log.1', line: (c) => lines(`${c}.1`).findIndex((l, i) => isSeal(l) && i > lines(`${c}.1`).findIndex((x) => x.includes('innocent'))) + 1,
      localVerdict: 'PASS',
    },
  ];
  for (const k of cases) {
    const copy = copyLogs(logDir);
    k.damage(copy);
    const r = verify(copy, '-o', 'json');
    assert.equal(r.status, 1, `${k.name}: ${r.stdout}`);
    assert.equal(r.json!.verdict, 'FAIL', k.name);
    assert.equal(r.json!.server!.verdict, 'FAIL', k.name);
    const local = r.json!.files.some((f) => f.verdict === 'FAIL') ? 'FAIL' : 'PASS';
    assert.equal(local, k.localVerdict, `${k.name}: local verdict`);
    const p = r.json!.server!.problems[0]!;
    assert.equal(p.kind, k.kind, `${k.name}: ${JSON.stringify(r.json!.server)}`);
    assert.ok(p.file!.endsWith(`/${k.file}`), `${k.name}: ${p.file}`);
    assert.equal(p.line, k.line(copy), `${k.name}: ${JSON.stringify(p)}`);
    const t = verify(copy);
    assert.equal(t.status, 1);
    assert.match(t.stdout, new RegExp(`host ${HOST}: FAIL: .*\\n  ${k.kind}: `), k.name);
  }

  // A host the server has no seal of: could not compare (exit 2); a server that is down: exit 2.
  const none = spawnSync(process.execPath, [PREC_BIN, 'verify', '-i', log, '-a', '--server', cluster.servers[0]!.url, '--host', 'nohost'], { encoding: 'utf8' });
  assert.equal(none.status, 2, none.stdout + none.stderr);
  assert.match(none.stdout, /CANNOT VERIFY: the server has no seal of host nohost/);
  const down = spawnSync(process.execPath, [PREC_BIN, 'verify', '-i', log, '-a', '--server', 'http://127.0.0.1:1', '--host', HOST], { encoding: 'utf8' });
  assert.equal(down.status, 2, down.stdout + down.stderr);
  assert.match(down.stderr, /^prec: server http:\/\/127\.0\.0\.1:1: connection refused/m);
});

/** Replaces `from` by `to` in the first line of the set that has it and recomputes every chain-only seal after it. */
function rechain(log: string, from: string, to: string): void {
  const files = [`${log}.2`, `${log}.1`, log];
  let chain = Buffer.alloc(32);
  let pending: string[] = [];
  let edited = false;
  for (const f of files) {
    const ls = lines(f);
    for (let i = 0; i < ls.length; i++) {
      if (!edited && ls[i]!.includes(from)) {
        ls[i] = ls[i]!.replace(from, to);
        edited = true;
      }
      if (!isSeal(ls[i]!)) {
        pending.push(ls[i]!);
        continue;
      }
      const s = JSON.parse(ls[i]!) as { timestamp: string; seal_seq: number; epoch: number; records: number; chain: string };
      if (s.records > 0) {
        const h = createHash('sha256').update(chain);
        for (const l of pending.slice(-s.records)) h.update(`${l}\n`);
        chain = h.digest();
      }
      pending = [];
      ls[i] = sealLine({ ...s, chain: chain.toString('hex') }, undefined);
    }
    write(f, ls);
  }
  assert.ok(edited, `${from} found`);
}
