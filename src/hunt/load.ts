// Rule files: a file or a directory (its *.yml and *.yaml files, recursively, in name order), each
// compiled once. With no path, the rules shipped with prec (rules/ at the top of the install:
// SigmaHQ's Linux process_creation set and prec's own pack), from the build's cache of them when
// it is current (cache.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readRulesCache, rulesFingerprint, SHIPPED_CACHE, writeRulesCache } from './cache.js';
import { compileRuleText } from './compile.js';
import { RuleError } from './errors.js';
import type { CompiledRule } from './rule.js';

/** The shipped rules directory (build/src/hunt/ -> rules/, the same in the repo and in the .deb). */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../../rules/', import.meta.url));

function ruleFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new RuleError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

function readRule(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch (e) {
    throw new RuleError(f, (e as Error).message);
  }
}

/** Every rule under the paths (default: the shipped ones), compiled; throws RuleError for a bad one. */
export function loadRules(paths: readonly string[] = []): CompiledRule[] {
  const files = (paths.length > 0 ? paths : [DEFAULT_RULES_DIR]).flatMap(ruleFiles);
  const texts = files.map(readRule);
  if (paths.length === 0) {
    const cached = readRulesCache(SHIPPED_CACHE, DEFAULT_RULES_DIR, rulesFingerprint(DEFAULT_RULES_DIR, files, texts));
    if (cached) return cached;
  }
  const rules = files.map((f, i) => compileRuleText(texts[i]!, f));
  const seen = new Map<string, string>();
  for (const r of rules) {
    const before = seen.get(r.id);
    if (before !== undefined) throw new RuleError(r.file, `id: ${r.id} is also the id of ${before}`);
    seen.set(r.id, r.file);
  }
  return rules;
}

/** Compiles the shipped rules into the cache loadRules reads (`just build`). */
export function writeShippedRules(path = SHIPPED_CACHE): void {
  const files = ruleFiles(DEFAULT_RULES_DIR);
  const texts = files.map(readRule);
  const rules = loadRules([DEFAULT_RULES_DIR]);
  writeRulesCache(path, DEFAULT_RULES_DIR, rules, rulesFingerprint(DEFAULT_RULES_DIR, files, texts));
}
