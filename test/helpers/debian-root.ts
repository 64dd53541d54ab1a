// A stock Debian 12 (bookworm) root for install tests, made by debootstrap from Debian's own archive
// (the mirror this machine's apt uses) and cached outside the repository, so that only the first run
// pays the minutes debootstrap takes. Each test gets a throwaway copy-on-write view of it (overlayfs,
// or a plain copy where overlayfs cannot be mounted), inside a private mount namespace, so that no
// mount outlives the test even when it is killed.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Cache of the bootstrapped roots and debootstrap's downloads; PREC_TEST_CACHE overrides it. */
export const TEST_CACHE = process.env.PREC_TEST_CACHE ?? '/var/cache/prec-test';
const READY = '.prec-test-ready';
const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/** Why the chroot tests cannot run here, or undefined. */
export function whyNoDebianRoot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, mount, chroot)';
  for (const tool of ['debootstrap', 'unshare', 'chroot']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed (packaging/setup.sh installs it)`;
  }
  return undefined;
}

/**
 * The Debian archive apt uses here: the first non-security `deb` source of /etc/apt/sources.list,
 * sources.list.d/*.list (one-line format) or sources.list.d/*.sources (deb822) whose path ends in
 * /debian; Debian's redirector when there is none.
 */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) files.push(...readdirSync(dir).filter((f) => /\.(list|sources)$/.test(f)).sort().map((f) => join(dir, f)));
  const uris: string[] = [];
  for (const f of files.filter((x) => existsSync(x))) {
    const text = readFileSync(f, 'utf8');
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        if (!/^Types:.*\bdeb\b/m.test(stanza) || /^Enabled:\s*no/im.test(stanza)) continue;
        uris.push(...(/^URIs:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? []));
      }
    } else {
      for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)) uris.push(m[1]!);
    }
  }
  return uris.map((u) => u.replace(/\/+$/, '')).find((u) => /^https?:\/\/.*\/debian$/.test(u)) ?? FALLBACK_MIRROR;
}

/**
 * The cached minimal bookworm root (debootstrap --variant=minbase), made on first use: built next to
 * its final name and renamed only once debootstrap succeeded, so an interrupted run leaves no half
 * root behind. Throws with debootstrap's output when it fails.
 */
export function bookwormRoot(): string {
  const root = join(TEST_CACHE, 'debian-bookworm-minbase');
  if (existsSync(join(root, READY))) return root;
  mkdirSync(join(TEST_CACHE, 'debs'), { recursive: true });
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  const r = spawnSync(
    'debootstrap',
    ['--variant=minbase', `--cache-dir=${join(TEST_CACHE, 'debs')}`, 'bookworm', tmp, debianMirror()],
    { encoding: 'utf8', timeout: 40 * 60_000 },
  );
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`debootstrap bookworm failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(-2000)}`);
  }
  writeFileSync(join(tmp, READY), `${new Date().toISOString()} ${debianMirror()}\n`);
  renameSync(tmp, root);
  return root;
}

/**
 * Runs `script` (bash) with $ROOT set to a writable view of `base` that is thrown away afterwards,
 * with /proc mounted and this host's resolv.conf, in a private mount namespace. `work` is a scratch
 * directory of the caller's (the view's upper layer lives there). The script's own commands use
 * `in_root CMD...` to run CMD chrooted with a clean environment; `env` adds variables for the script.
 */
export function inThrowawayRoot(base: string, work: string, script: string, timeoutMs: number, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const setup = `
set -euo pipefail
ROOT="$WORK/root"
mkdir -p "$WORK/upper" "$WORK/ovl" "$ROOT"
if ! mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/ovl" "$ROOT" 2>/dev/null; then
  cp -a "$BASE/." "$ROOT/"
fi
mount -t proc proc "$ROOT/proc"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
`;
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', `${setup}\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env, BASE: base, WORK: work },
    timeout: timeoutMs,
  });
}
