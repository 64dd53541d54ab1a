// Rule files: a file or a directory (its *.yml and *.yaml files, recursively, in name order), each
// compiled once. With no path, the rules shipped with prec (rules/ at the top of the install:
// SigmaHQ's Linux process_creation set and prec's own pack).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
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

/** Every rule under the paths (default: the shipped ones), compiled; throws RuleError for a bad one. */
export function loadRules(paths: readonly string[] = []): CompiledRule[] {
  const files = (paths.length > 0 ? paths : [DEFAULT_RULES_DIR]).flatMap(ruleFiles);
  const rules = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new RuleError(f, (e as Error).message);
    }
    return compileRuleText(text, f);
  });
  const seen = new Map<string, string>();
  for (const r of rules) {
    const before = seen.get(r.id);
    if (before !== undefined) throw new RuleError(r.file, `id: ${r.id} is also the id of ${before}`);
    seen.set(r.id, r.file);
  }
  return rules;
}
