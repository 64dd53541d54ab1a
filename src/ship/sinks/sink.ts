// What the shipper needs of a destination: send a batch and resolve only once it is acknowledged
// (the cursor advances then), reject on any failure (the batch is sent again after a back-off).
import type { Entry } from '../source.js';

export interface Sink {
  /** Delivers the batch; rejects with an Error whose message is one short line. */
  send(entries: readonly Entry[]): Promise<void>;
  close(): Promise<void>;
}
