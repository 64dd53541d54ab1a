// The seal record (SPEC sections 3 and 12): one JSON line, keys in this order (the catalogue's):
//
//   {"timestamp":"…","record_type":"seal","seal_seq":N,"epoch":E,"records":R,"chain":"<64 hex>",
//    "prev_mac":"<64 hex>","mac":"<64 hex>"}
//
// MAC input (the canonical serialization): the line's own bytes without its mac member, i.e. the
// JSON object above ending after prev_mac: `{"timestamp":…,"prev_mac":"…"}`. precd writes it with
// JSON.stringify (no spaces, keys in the order above); the verifier takes the line as read, requires
// it to end with `,"mac":"<64 lower-case hex>"}`, cuts that member off and closes the object: every
// byte of the line but the MAC itself is authenticated, so no key can be added, dropped, reordered
// or changed without failing the MAC.
// Chain-only seals (no key file) carry neither prev_mac nor mac.
import { macHex } from './keys.js';

export interface SealFields {
  readonly timestamp: string;
  readonly seal_seq: number;
  readonly epoch: number;
  readonly records: number;
  readonly chain: string;
  readonly prev_mac?: string;
  readonly mac?: string;
}

const MAC_MEMBER = /,"mac":"([0-9a-f]{64})"\}$/;
const HEX64 = /^[0-9a-f]{64}$/;
export const ZERO_MAC = '0'.repeat(64);

/** The seal line (no newline): with `key`, prev_mac and mac; without, chain only. */
export function sealLine(f: Omit<SealFields, 'mac'>, key: Buffer | undefined): string {
  const body = {
    timestamp: f.timestamp,
    record_type: 'seal',
    seal_seq: f.seal_seq,
    epoch: f.epoch,
    records: f.records,
    chain: f.chain,
    ...(key ? { prev_mac: f.prev_mac ?? ZERO_MAC } : {}),
  };
  const text = JSON.stringify(body);
  if (!key) return text;
  return `${text.slice(0, -1)},"mac":"${macHex(key, text)}"}`;
}

/** True when the line is a seal record by its first keys (cheap test before JSON.parse). */
export function looksLikeSeal(line: string): boolean {
  return line.startsWith('{"timestamp":"') && line.includes('","record_type":"seal",');
}

/** The seal's fields, or what is wrong with the line. */
export function parseSeal(line: string): SealFields | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'seal line is not valid JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'seal line is not a JSON object';
  const o = v as Record<string, unknown>;
  if (o.record_type !== 'seal') return 'not a seal record';
  if (typeof o.timestamp !== 'string') return 'seal without timestamp';
  for (const k of ['seal_seq', 'epoch', 'records'] as const) {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) return `seal field ${k} is not a non-negative integer`;
  }
  if (typeof o.chain !== 'string' || !HEX64.test(o.chain)) return 'seal field chain is not 64 hex digits';
  for (const k of ['prev_mac', 'mac'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !HEX64.test(o[k]))) return `seal field ${k} is not 64 hex digits`;
  }
  if ((o.mac === undefined) !== (o.prev_mac === undefined)) return 'seal has one of prev_mac and mac without the other';
  return o as unknown as SealFields;
}

/** The MAC input of a line that carries a mac member (see the header), or undefined. */
export function macInput(line: string): string | undefined {
  const m = MAC_MEMBER.exec(line);
  if (!m) return undefined;
  return `${line.slice(0, m.index)}}`;
}
