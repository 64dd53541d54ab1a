// The shipped rules, compiled at build time (`just build`: packaging/rules-cache.mjs) into one JSON
// file beside this module, read instead of parsing ~150 YAML files on every `prec hunt` (about half
// a second of CPU). Rules given with --rules are always compiled at run time.
//
// Trusted only when it is what compiling would give now: its fingerprint covers the text and name
// of every rule file and the code of the compiler (the .js files of src/hunt, src/query and
// src/schema), so an edited rule, an added file or a rebuilt compiler makes it stale (it is then
// ignored and the rules are compiled). And only from where the code itself lives: a regular file
// owned by root or by the user running prec, writable by no one else; anything else is ignored.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import type { CompiledRule } from './rule.js';

// Paths go through ../hunt/ on purpose: this module also runs from prec's bundle (build/src/bundle/,
// packaging/bundle-cli.mjs), at the same depth; './' would then name the bundle's directory, and the
// cache would never be found or trusted there.
/** build/src/hunt/shipped-rules.json (in the .deb too: packaging/build-deb.sh). */
export const SHIPPED_CACHE = fileURLToPath(new URL('../hunt/shipped-rules.json', import.meta.url));

const FORMAT = 'prec-rules-cache 1';
/** The compiler's code: every .js file of these directories (relative to this module). */
const COMPILER_DIRS = ['../hunt/', '../query/', '../schema/'];

interface CacheFile {
  readonly format: string;
  readonly fingerprint: string;
  /** The rules, `file` relative to the rules directory. */
  readonly rules: CompiledRule[];
}

/** What the rule files (under `dir`) and the compiler are now. */
export function rulesFingerprint(dir: string, files: readonly string[], texts: readonly string[]): string {
  const h = createHash('sha256').update(FORMAT + '\0');
  for (const d of COMPILER_DIRS) {
    const path = fileURLToPath(new URL(d, import.meta.url));
    for (const f of readdirSync(path).filter((n) => n.endsWith('.js')).sort()) h.update(`${d}${f}\0`).update(readFileSync(join(path, f))).update('\0');
  }
  files.forEach((f, i) => h.update(`${relative(dir, f)}\0${texts[i]!}\0`));
  return h.digest('hex');
}

export function writeRulesCache(path: string, dir: string, rules: readonly CompiledRule[], fingerprint: string): void {
  const data: CacheFile = { format: FORMAT, fingerprint, rules: rules.map((r) => ({ ...r, file: relative(dir, r.file) })) };
  writeFileSync(path, JSON.stringify(data) + '\n', { mode: 0o644 });
}

/** Owned by root or by this user, writable by neither group nor others, a regular file. */
function trusted(path: string): boolean {
  try {
    const st = statSync(path);
    const uid = process.geteuid?.() ?? 0;
    return st.isFile() && (st.mode & 0o022) === 0 && (st.uid === 0 || st.uid === uid);
  } catch {
    return false;
  }
}

/** The cached rules when the cache is trusted and current (`fingerprint`), else undefined. */
export function readRulesCache(path: string, dir: string, fingerprint: string): CompiledRule[] | undefined {
  if (!trusted(path)) return undefined;
  let data: CacheFile;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
  } catch {
    return undefined;
  }
  if (data?.format !== FORMAT || data.fingerprint !== fingerprint || !Array.isArray(data.rules)) return undefined;
  return data.rules.map((r) => ({ ...r, file: join(dir, r.file) }));
}
