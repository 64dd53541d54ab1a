// The sealing state and its key file (seal_key_path, default /var/lib/prec/seal.key). Text, 0600:
//
//   prec-seal-state 1
//   epoch <E>                 the epoch of the NEXT seal; its key is the one below
//   key <64 hex>              key(E): earlier keys are gone (keys.ts)
//   seal_seq <N>              seal_seq of the last seal written (0: none yet); the next is N+1
//   chain <64 hex>            chain value of that seal (chain.ts; zeros before the first)
//   mac <64 hex>              MAC of that seal: the next seal's prev_mac (zeros before the first)
//
// Rewritten after every seal, before precd writes anything more: a temporary file in the same
// directory (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), fsync, rename over the key file, fsync of the
// directory. Opened with O_NOFOLLOW: a symlink planted at the path is refused, never followed.
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ZERO_CHAIN } from './chain.js';
import { evolveKey, KEY_BYTES } from './keys.js';
import { ZERO_MAC } from './record.js';

export interface SealState {
  readonly epoch: number;
  readonly key: Buffer;
  readonly sealSeq: number;
  readonly chain: Buffer;
  readonly mac: string;
}

const MAGIC = 'prec-seal-state 1';
const MAX_FILE = 4096;

/** The key file cannot be used; message is one line naming the path. */
export class SealStateError extends Error {
  override name = 'SealStateError';
}

export function serializeState(s: SealState): string {
  return [
    MAGIC,
    `epoch ${s.epoch}`,
    `key ${s.key.toString('hex')}`,
    `seal_seq ${s.sealSeq}`,
    `chain ${s.chain.toString('hex')}`,
    `mac ${s.mac}`,
    '',
  ].join('\n');
}

export function parseState(text: string, path: string): SealState {
  const bad = (what: string): never => {
    throw new SealStateError(`seal key file ${path}: ${what}`);
  };
  const lines = text.split('\n');
  if (lines[0] !== MAGIC) bad(`not a prec sealing state (first line is not "${MAGIC}")`);
  const kv = new Map<string, string>();
  for (const l of lines.slice(1)) {
    if (l === '') continue;
    const sp = l.indexOf(' ');
    if (sp <= 0) bad(`bad line ${JSON.stringify(l)}`);
    kv.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const int = (k: string): number => {
    const v = kv.get(k);
    if (v === undefined || !/^\d{1,15}$/.test(v)) return bad(`${k} missing or not an integer`);
    return Number(v);
  };
  const hex = (k: string): string => {
    const v = kv.get(k);
    if (v === undefined || !/^[0-9a-f]{64}$/.test(v)) return bad(`${k} missing or not 64 hex digits`);
    return v;
  };
  return {
    epoch: int('epoch'),
    key: Buffer.from(hex('key'), 'hex'),
    sealSeq: int('seal_seq'),
    chain: Buffer.from(hex('chain'), 'hex'),
    mac: hex('mac'),
  };
}

/** The state in the key file; undefined when there is no file (chain-only sealing). */
export function loadState(path: string): SealState | undefined {
  const text = readStateFile(path, 'seal key file');
  return text === undefined ? undefined : parseState(text, path);
}

/**
 * The text of a state file opened without following a link, a regular file not open to others;
 * undefined when there is none. `what` names it in errors ("seal key file", "seal chain file").
 */
function readStateFile(path: string, what: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new SealStateError(`${what} ${path} is a symbolic link: refused`);
    throw new SealStateError(`${what} ${path}: cannot read it (${code ?? String(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SealStateError(`${what} ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new SealStateError(`${what} ${path} is readable or writable by others (mode ${(st.mode & 0o777).toString(8)}; must be 600)`);
    }
    const buf = Buffer.alloc(MAX_FILE);
    const n = readSync(fd, buf, 0, MAX_FILE, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Replaces the key file atomically and durably (see the header). Throws the system error. */
export function saveState(path: string, s: SealState): void {
  writeStateFile(path, serializeState(s));
}

/** Writes `text` to a temporary file in the same directory, fsyncs it, renames it over `path`, fsyncs the directory. */
function writeStateFile(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp`);
  try {
    unlinkSync(tmp); // a leftover of a crash; O_EXCL below refuses anything planted after this
  } catch {
    // none
  }
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const data = Buffer.from(text);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

// Chain-only sealing (no key file) keeps its place in a file of its own next to where the key file
// would be (seal.chain in seal_key_path's directory), written like the key file after every seal:
//
//   prec-seal-chain 1
//   seal_seq <N>              seal_seq of the last seal written; the next is N+1
//   chain <64 hex>            chain value of that seal
//
// so seal_seq is never reset and the chain goes on across restarts in this mode too (SPEC 12). It
// holds no secret: it only spares the verifier a new chain at every start. Lost, a new chain begins
// at seal_seq 1 (prec verify notes it).

/** Where a chain-only run keeps its state: seal.chain beside the key file. */
export function chainStatePath(keyPath: string): string {
  return join(dirname(keyPath), 'seal.chain');
}

export interface ChainState {
  readonly sealSeq: number;
  readonly chain: Buffer;
}

const CHAIN_MAGIC = 'prec-seal-chain 1';

/** The chain-only state, or undefined when there is no file yet. */
export function loadChainState(path: string): ChainState | undefined {
  const text = readStateFile(path, 'seal chain file');
  if (text === undefined) return undefined;
  const m = /^prec-seal-chain 1\nseal_seq (\d{1,15})\nchain ([0-9a-f]{64})\n$/.exec(text);
  if (!m) throw new SealStateError(`seal chain file ${path}: not a prec chain state (expected "${CHAIN_MAGIC}", seal_seq, chain)`);
  return { sealSeq: Number(m[1]), chain: Buffer.from(m[2]!, 'hex') };
}

/** Saves the chain-only state like the key file (atomic, fsync'd, 0600), creating its directory (0700). */
export function saveChainState(path: string, s: ChainState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeStateFile(path, `${CHAIN_MAGIC}\nseal_seq ${s.sealSeq}\nchain ${s.chain.toString('hex')}\n`);
}

/**
 * `precd --setup-keys`: a new key(0) and its state; refuses to replace an existing key file. Returns
 * key(0). After chain-only runs (`from`, their seal.chain), the keyed chain goes on where they left
 * off: seal_seq is never reset (SPEC 12) and the line chain stays one chain. The state then holds
 * key(N) for epoch N = seal_seq, as if key(0) had sealed the N seals before: the verifier derives it
 * from key(0) the same way, and epoch = seal_seq - 1 holds for every keyed seal.
 */
export function setupKeys(path: string, from?: ChainState): Buffer {
  if (loadStateOrBroken(path)) {
    throw new SealStateError(`seal key file ${path} already exists: remove it first to start a new chain (old logs then verify only with the old verification key)`);
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const sealSeq = from?.sealSeq ?? 0;
  let epochKey: Buffer = key;
  for (let e = 0; e < sealSeq; e++) epochKey = evolveKey(epochKey);
  saveState(path, { epoch: sealSeq, key: epochKey, sealSeq, chain: from?.chain ?? ZERO_CHAIN, mac: ZERO_MAC });
  return key;
}

function loadStateOrBroken(path: string): boolean {
  try {
    return loadState(path) !== undefined;
  } catch {
    return true;
  }
}
