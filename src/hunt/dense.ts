// The gate's automaton in the form its per-byte loop reads fastest (gate.ts): the table is read once
// per byte of every scanned value, and its cache misses are most of the cost, so it is made small.
// - Byte classes: bytes that step alike share a column (every byte no text holds is one class,
//   an upper-case ASCII letter is its lower case), so a row is a few dozen entries, not 256.
// - States renumbered with the accepting ones last: `state >= accepting` is the test for a hit,
//   with no second table read.
import type { Automaton } from './prefilter.js';

export interface DenseAutomaton {
  /** delta[(state << shift) | classOf[byte]]: the next state. */
  readonly delta: Uint16Array | Int32Array;
  readonly classOf: Uint8Array;
  readonly shift: number;
  /** States from this one on are accepting: some pattern ends there. */
  readonly accepting: number;
  /** Per state, the patterns (indices) ending there. */
  readonly outputs: readonly (readonly number[] | undefined)[];
}

/** The byte classes of an automaton's patterns (ASCII case folded): [classOf, a byte of each class]. */
function byteClasses(a: Automaton): [Uint8Array, number[]] {
  const used = new Set<number>();
  // A byte no pattern holds moves every state to the root: delta[0][b] is 0 and so is every row's.
  const n = a.outputs.length;
  for (let b = 0; b < 256; b++) for (let s = 0; s < n && !used.has(b); s++) if (a.delta[s * 256 + b] !== 0) used.add(b);
  const classOf = new Uint8Array(256);
  const rep = [0x00];
  for (const b of [...used].sort((x, y) => x - y)) {
    const lower = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
    if (lower !== b && used.has(lower)) continue;
    classOf[b] = rep.push(b) - 1;
  }
  if (rep.length > 256) throw new Error('more than 255 byte classes');
  // Upper case moves as lower case does (the rules match ASCII case-insensitively).
  for (let b = 0x41; b <= 0x5a; b++) classOf[b] = classOf[b + 0x20]!;
  return [classOf, rep];
}

/** The dense form of `a` (whose patterns are lower case: an upper-case byte steps as its lower case). */
export function denseAutomaton(a: Automaton): DenseAutomaton {
  const [classOf, rep] = byteClasses(a);
  const n = a.outputs.length;
  let shift = 0;
  while (1 << shift < rep.length) shift++;
  // The root (0) first, then the other non-accepting states, then the accepting ones.
  const order = [0];
  for (let s = 1; s < n; s++) if (!a.accepts[s]) order.push(s);
  const accepting = order.length;
  for (let s = 1; s < n; s++) if (a.accepts[s]) order.push(s);
  const id = new Int32Array(n);
  order.forEach((old, i) => (id[old] = i));
  const delta = n <= 0xffff ? new Uint16Array(n << shift) : new Int32Array(n << shift);
  order.forEach((old, i) => {
    for (let c = 0; c < rep.length; c++) delta[(i << shift) | c] = id[a.delta[old * 256 + rep[c]!]!]!;
  });
  return { delta, classOf, shift, accepting, outputs: order.map((old) => a.outputs[old]) };
}
