// The rotated siblings logrotate leaves next to a log: numbered (`prec.log.1`, `prec.log.2.gz`)
// or dated with `dateext` (`prec.log-20261122`, `prec.log-20261122.gz`), compressed or not.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toLogError } from './errors.js';
import { openLog } from './read.js';

const SUFFIX = '(?:\\.gz|\\.zst|\\.zstd)?';

interface Sibling {
  path: string;
  /** Oldest first within a naming scheme. */
  order: number | string;
  mtimeMs: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The logs to read for `input`, oldest first: with `allLogs`, its rotated siblings (numbered ones
 * from the highest number down, dated ones from the oldest date up; when both schemes are
 * present, the scheme whose oldest file is older comes first), then `input` itself, last.
 * Throws LogError when `input` (or its directory, with allLogs) cannot be read.
 */
export async function discoverLogs(input: string, allLogs: boolean): Promise<string[]> {
  // Fails with the reason (missing, permission denied) before anything is listed.
  await (await openLog(input)).close();
  if (!allLogs) return [input];

  const dir = dirname(input);
  const base = basename(input);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw toLogError(err, dir);
  }
  const numbered = new RegExp(`^${escapeRegExp(base)}\\.(\\d+)${SUFFIX}$`);
  const dated = new RegExp(`^${escapeRegExp(base)}-(\\d[\\d_-]*)${SUFFIX}$`);

  const byNumber: Sibling[] = [];
  const byDate: Sibling[] = [];
  for (const name of names) {
    const n = numbered.exec(name);
    const d = n ? null : dated.exec(name);
    if (!n && !d) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (n) byNumber.push({ path, order: -Number(n[1]), mtimeMs: st.mtimeMs });
    else byDate.push({ path, order: d![1]!, mtimeMs: st.mtimeMs });
  }
  const sortGroup = (group: Sibling[]): Sibling[] =>
    group.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.path < b.path ? -1 : 1));
  const groups = [sortGroup(byDate), sortGroup(byNumber)].filter((g) => g.length > 0);
  groups.sort((a, b) => a[0]!.mtimeMs - b[0]!.mtimeMs);
  return [...groups.flat().map((s) => s.path), input];
}
