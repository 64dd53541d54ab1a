// Fixture logs for the prec CLI tests: records written the way precd writes them (keys in catalogue
// order), as plain, gzip or zstd (one frame per chunk) files, and a runner for `node bin/prec.js`.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { recordKeys, type RecordType } from '../../src/schema/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PREC_BIN = join(REPO_ROOT, 'bin', 'prec.js');

export type Rec = Record<string, unknown>;

/** Serializes a record as precd does: its kind's keys in catalogue order, absent keys omitted. */
export function line(rec: Rec): string {
  const type = rec.record_type as RecordType;
  const out: Rec = {};
  for (const k of recordKeys(type)) if (rec[k] !== undefined) out[k] = rec[k];
  for (const k of Object.keys(rec)) if (!(k in out) && rec[k] !== undefined) throw new Error(`fixture key ${k} not in a ${type} record`);
  return JSON.stringify(out);
}

let seq = 0;
export const RUN = '20261122150000';

/** A start record at second `sec` (+09:00), merged with sensible defaults. */
export function start(sec: number, over: Rec = {}): Rec {
  seq++;
  const argv = (over.argv as string[] | undefined) ?? ['true'];
  return {
    timestamp: at(sec),
    event_id: `${RUN}-${seq}`,
    uid: 1000, gid: 1000, euid: 1000, egid: 1000, auid: 1000, session_id: 3,
    user: 'alice', group: 'alice',
    pid: 1000 + seq, ppid: 999,
    comm: argv[0]!.split('/').pop()!.slice(0, 15),
    exe: `/usr/bin/${argv[0]!.split('/').pop()}`,
    cwd: '/home/alice',
    argv, argc: argv.length,
    cgroup: '/user.slice/user-1000.slice/session-3.scope',
    tty: '/dev/pts/1', tty_nr: 34817,
    source: 'user', record_type: 'start',
    parent_comm: 'bash', parent_exe: '/usr/bin/bash', parent_cmdline: '-bash',
    parent_tty: '/dev/pts/1', parent_tty_nr: 34817,
    ...over,
  };
}

export function end(s: Rec, sec: number, over: Rec = {}): Rec {
  const startSec = secOf(String(s.timestamp));
  return {
    timestamp: at(sec),
    event_id: s.event_id, pid: s.pid, source: s.source, record_type: 'end',
    duration_ns: Math.round((sec - startSec) * 1e9),
    exit_status: 0,
    ...over,
  };
}

export function fail(sec: number, over: Rec = {}): Rec {
  seq++;
  return {
    timestamp: at(sec), event_id: `${RUN}-${seq}`,
    uid: 1000, gid: 1000, euid: 1000, egid: 1000, user: 'alice', group: 'alice',
    pid: 5000 + seq, ppid: 999, comm: 'bash', exe: '/home/alice/nothere', cwd: '/home/alice',
    argv: ['./nothere'], argc: 1, cgroup: '/user.slice', tty: '/dev/pts/1', tty_nr: 34817,
    source: 'user', record_type: 'fail', exec_errno: 2, exec_error: 'no such file or directory',
    parent_comm: 'bash', parent_exe: '/usr/bin/bash', parent_cmdline: '-bash', ...over,
  };
}

export function loss(sec: number, lost: number, total: number): Rec {
  return { timestamp: at(sec), record_type: 'loss', lost_samples: lost, lost_samples_total: total };
}

/** `2026-11-22T15:00:SS.fffffffff+09:00` for a second offset (fractions allowed). */
export function at(sec: number): string {
  const whole = Math.floor(sec);
  const ns = Math.round((sec - whole) * 1e9);
  const d = new Date(Date.UTC(2026, 10, 22, 15, 0, 0) + whole * 1000);
  const iso = d.toISOString().slice(0, 19);
  return `${iso}.${String(ns).padStart(9, '0')}+09:00`;
}

function secOf(ts: string): number {
  const d = Date.parse(ts.slice(0, 19) + 'Z') - Date.UTC(2026, 10, 22, 15, 0, 0);
  return d / 1000 + Number('0.' + ts.slice(20, 29));
}

export function text(recs: readonly Rec[]): string {
  return recs.map((r) => line(r) + '\n').join('');
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'prec-cli-'));
}

export function writePlain(path: string, recs: readonly Rec[]): string {
  writeFileSync(path, text(recs));
  return path;
}

export function writeGzip(path: string, recs: readonly Rec[]): string {
  writeFileSync(path, gzipSync(text(recs)));
  return path;
}

/** zstd, one frame per chunk of records (as precd writes a frame per open of the log). */
export function zstdFrames(chunks: readonly (readonly Rec[])[]): Buffer {
  return Buffer.concat(
    chunks.map((c) => {
      const r = spawnSync('zstd', ['-q', '-c'], { input: text(c) });
      if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
      return r.stdout;
    }),
  );
}

export function writeZstd(path: string, chunks: readonly (readonly Rec[])[]): string {
  writeFileSync(path, zstdFrames(chunks));
  return path;
}

export function prec(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [PREC_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** The one stderr line of list mode when the query hid loss rows (tested in prec-cli.test.ts). */
export const HIDDEN_LOSS_NOTICE = /^prec: \d+ loss records? \(\d+ events? dropped\) in the logs read (is|are) not shown by the query; add '\|\| record_type=loss' to see them\n/m;

/**
 * Runs prec and insists on status 0 and an empty stderr, but for the notice of loss rows hidden by
 * the query (fixture logs have loss rows; most tests query something else); returns stdout.
 */
export function precOk(args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = prec(args, opts);
  if (r.status !== 0 || r.stderr.replace(HIDDEN_LOSS_NOTICE, '') !== '') throw new Error(`prec ${args.join(' ')} -> ${r.status}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/**
 * What kill -9 leaves of a zstd frame precd was writing: every chunk flushed as complete blocks,
 * but no end of frame.
 */
export async function zstdUnfinishedFrame(chunks: readonly (readonly Rec[])[]): Promise<Buffer> {
  const { CompressStream } = await import('zstd-napi');
  const z = new CompressStream({ compressionLevel: 3 });
  const parts: Buffer[] = [];
  z.on('data', (b: Buffer) => parts.push(b));
  for (const c of chunks) {
    z.write(text(c));
    await new Promise<void>((resolve, reject) => z.flush((err) => (err ? reject(err) : resolve())));
  }
  await new Promise((r) => setImmediate(r));
  z.destroy();
  return Buffer.concat(parts);
}
