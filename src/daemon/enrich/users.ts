// uid/gid -> names. /etc/passwd and /etc/group are parsed into maps and re-read when their mtime
// changes (checked at most once a second, not per event). Ids they do not know are asked of NSS with
// `getent` once and cached (negative answers expire, so a user added to LDAP shows up); the decimal
// id is the name when nothing knows it.
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const RECHECK_MS = 1000;
const NEGATIVE_TTL_MS = 60_000;
const GETENT_TIMEOUT_MS = 1000;
const MAX_NSS_CACHE = 4096;

class IdNames {
  private names = new Map<number, string>();
  private mtimeMs = -1;
  private checkedAt = 0;
  private nss = new Map<number, { name: string | undefined; at: number }>();

  constructor(
    private readonly file: string,
    private readonly database: 'passwd' | 'group',
    private readonly now: () => number = Date.now,
  ) {}

  name(id: number): string {
    this.refresh();
    const local = this.names.get(id);
    if (local !== undefined) return local;
    return this.lookupNss(id) ?? String(id);
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.checkedAt < RECHECK_MS && this.mtimeMs >= 0) return;
    this.checkedAt = now;
    let mtime: number;
    try {
      mtime = statSync(this.file).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (mtime === this.mtimeMs) return;
    this.mtimeMs = mtime;
    this.names = parseIdFile(readOrEmpty(this.file));
    this.nss.clear();
  }

  private lookupNss(id: number): string | undefined {
    const now = this.now();
    const hit = this.nss.get(id);
    if (hit && (hit.name !== undefined || now - hit.at < NEGATIVE_TTL_MS)) return hit.name;
    const name = getent(this.database, id);
    if (this.nss.size >= MAX_NSS_CACHE) this.nss.delete(this.nss.keys().next().value!);
    this.nss.set(id, { name, at: now });
    return name;
  }
}

/** `name:x:id:...` lines -> id -> first name with that id (as getpwuid would answer). */
export function parseIdFile(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 3 || f[0] === '') continue;
    if (!/^\d+$/.test(f[2]!)) continue;
    const id = Number(f[2]);
    if (!out.has(id)) out.set(id, f[0]!);
  }
  return out;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function getent(database: 'passwd' | 'group', id: number): string | undefined {
  try {
    const r = spawnSync('getent', [database, String(id)], { encoding: 'utf8', timeout: GETENT_TIMEOUT_MS });
    if (r.status !== 0 || !r.stdout) return undefined;
    const name = r.stdout.split(':')[0];
    return name ? name : undefined;
  } catch {
    return undefined;
  }
}

export class UserNames {
  private readonly users: IdNames;
  private readonly groups: IdNames;

  constructor(passwdPath = '/etc/passwd', groupPath = '/etc/group', now: () => number = Date.now) {
    this.users = new IdNames(passwdPath, 'passwd', now);
    this.groups = new IdNames(groupPath, 'group', now);
  }

  user(uid: number): string {
    return this.users.name(uid);
  }

  group(gid: number): string {
    return this.groups.name(gid);
  }
}
