// A cgroup v2 scope of its own for `prec run` (SPEC 14): where the hierarchy is mounted (on a hybrid
// host it is /sys/fs/cgroup/unified, not /sys/fs/cgroup), a fresh child cgroup, and its removal.
//
// Where the scope goes: directly under the hierarchy's root, `/prec-run.<pid>.<hex>`. The root is
// exempt from cgroup v2's "no internal processes" rule, and a child with no controllers enabled may
// take processes whatever the root's subtree_control says, so this works the same on a systemd host
// (systemd leaves cgroups it did not create alone) and in a container or VM without systemd. Moving
// a process needs write access to the cgroup.procs of the common ancestor (the root): root, as
// precd's users are. When the root is not writable (a delegated subtree, rootless), the scope goes
// under prec's own cgroup instead, which works as long as that cgroup enables no controllers for
// its children (else the kernel refuses the move, and prec says so).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';

/** The mount point of the cgroup v2 hierarchy, from /proc/mounts; undefined when none is mounted. */
export function cgroup2Mount(mounts = readFileSync('/proc/mounts', 'utf8')): string | undefined {
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f[2] === 'cgroup2') return f[1]!.replace(/\\040/g, ' ');
  }
  return undefined;
}

/** This process's cgroup v2 path (`0::/path` in /proc/self/cgroup), relative to the hierarchy. */
export function ownCgroup(text = readFileSync('/proc/self/cgroup', 'utf8')): string {
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : '/';
}

export interface Scope {
  /** The path as precd records it in the `cgroup` field: relative to the hierarchy, leading `/`. */
  readonly path: string;
  /** The directory in the cgroup file system. */
  readonly dir: string;
}

/** Creates the scope (see the header for where); UsageError when no place takes it. */
export function createScope(mount = cgroup2Mount()): Scope {
  if (mount === undefined) throw new UsageError('prec run needs the cgroup v2 hierarchy, and none is mounted (see /proc/mounts)');
  const name = `prec-run.${process.pid}.${randomBytes(4).toString('hex')}`;
  const parents = ['/', ownCgroup()].filter((p, i, all) => all.indexOf(p) === i);
  let lastError: unknown;
  for (const parent of parents) {
    const path = parent === '/' ? `/${name}` : `${parent}/${name}`;
    const dir = join(mount, path);
    try {
      mkdirSync(dir);
      return { path, dir };
    } catch (err) {
      lastError = err;
    }
  }
  const why = (lastError as NodeJS.ErrnoException).code ?? String(lastError);
  throw new UsageError(`prec run cannot create a cgroup under ${mount} (${why}); it needs root`);
}

/** Removes the scope once empty; false when processes are still in it (left behind by CMD). */
export function removeScope(scope: Scope): boolean {
  try {
    rmdirSync(scope.dir);
    return true;
  } catch {
    return false;
  }
}
