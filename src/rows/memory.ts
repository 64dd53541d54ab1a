// Keeps the heap of a long read small. Reading a large log allocates gigabytes of short-lived
// records; rows held by the ordered merge outlive a few young-generation collections and are
// promoted, and V8 then lets the old generation grow to several times what is live before it
// collects it (RSS past 200 MB for a 2-million-record export whose live data is ~30 MB). A heap
// limit can only be set when node starts (`node --max-old-space-size`), and prec is started as
// `node bin/prec.js` or through its package's wrapper: so a full collection is asked for here,
// rarely (each costs ~15 ms and happens once the heap has grown by tens of megabytes).
import { getHeapSpaceStatistics } from 'node:v8';
import { exposedGc } from '../log/gc.js';

/**
 * Old-generation bytes in use above which a full collection is run. The young generation is
 * bounded by V8 already; what grows is the old one, where promoted garbage waits.
 */
const OLD_LIMIT = 32 * 1024 * 1024;
/** Where promoted objects and big strings (each decoded block of text, each batch of output) wait. */
const OLD_SPACES: ReadonlySet<string> = new Set(['old_space', 'large_object_space']);

let collect: (() => void) | null | undefined;

/** Call between batches: collects when the old generation has grown past OLD_LIMIT. */
export function keepHeapSmall(): void {
  let old = 0;
  for (const space of getHeapSpaceStatistics()) if (OLD_SPACES.has(space.space_name)) old += space.space_used_size;
  if (old < OLD_LIMIT) return;
  collect ??= exposedGc() ?? null;
  collect?.();
}
