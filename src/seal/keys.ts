// Forward-secure sealing keys (SPEC section 12).
//
//   key(0)     = 32 random bytes made by `precd --setup-keys`: the verification key
//   key(e + 1) = HMAC-SHA256(key(e), "prec-seal-evolve")          (one-way: key(e) is not derivable)
//   mac        = HMAC-SHA256(key(epoch), UTF-8 of the seal's MAC input, record.ts)
//
// precd seals with the key of the current epoch, then evolves it and forgets the old one (in memory
// and in the key file), so a root intruder who reads the key file learns key(E) and can forge seals
// of epoch E and later only. The verifier holds key(0) and derives every epoch's key forward; key(0)
// must therefore be kept OFF the host: whoever holds it can forge every seal.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const KEY_BYTES = 32;
const EVOLVE_LABEL = 'prec-seal-evolve';
// A forged seal claiming epoch 2^52 must not make the verifier spin: a seal a minute for 100 years
// is about 53 million epochs.
const MAX_STEP = 200_000_000;

export function evolveKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update(EVOLVE_LABEL).digest();
}

export function macHex(key: Buffer, input: string): string {
  return createHmac('sha256', key).update(input, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex MACs. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length === KEY_BYTES && timingSafeEqual(x, y);
}

/** Derives epoch keys forward from the verification key; steps are cached, so walking a log in order is linear. */
export class EpochKeys {
  private epoch = 0;
  private key: Buffer;

  constructor(verificationKey: Buffer) {
    if (verificationKey.length !== KEY_BYTES) throw new Error(`a verification key is ${KEY_BYTES} bytes`);
    this.key = verificationKey;
  }

  /** key(epoch); undefined for an epoch before one already derived (keys only go forward). */
  at(epoch: number): Buffer | undefined {
    if (!Number.isSafeInteger(epoch) || epoch < this.epoch || epoch - this.epoch > MAX_STEP) return undefined;
    while (this.epoch < epoch) {
      this.key = evolveKey(this.key);
      this.epoch++;
    }
    return this.key;
  }
}

/** A verification key as printed by `precd --setup-keys`: 64 hex digits (spaces and dashes ignored). */
export function parseVerificationKey(text: string): Buffer | undefined {
  const hex = text.trim().replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}
