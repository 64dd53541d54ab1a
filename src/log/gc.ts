// V8's gc() for code that must bound its own memory (prec's reader thread, its output batches),
// without --expose-gc on the command line.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** gc(), reached the documented way; undefined when this V8 does not allow it. */
export function exposedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
