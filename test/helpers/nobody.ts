// Some tests run this tree's programs as nobody (permission checks). A checkout that nobody
// cannot traverse (under /root, say) cannot be run that way: those tests then skip, saying why.
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** undefined when nobody can read `path`, else the reason to skip. */
export function skipUnlessNobodyCanRead(path: string): string | undefined {
  if (!cache.has(path)) {
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', path]);
    cache.set(path, r.status === 0);
  }
  return cache.get(path) ? undefined : `nobody cannot read ${path} (checkout not world-traversable)`;
}
