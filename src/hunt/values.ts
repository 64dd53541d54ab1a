// One Sigma value with its modifiers -> one prec clause (query AST). Sigma's default matching is
// exact with wildcards (`*` any text, `?` one character, `\` escaping them), case-insensitive
// unless `cased`; contains/startswith/endswith wrap the value in wildcards. The clause is the
// cheapest operator that says the same: `=`, `~=`, `^=`, `$=`, else an anchored RE2 pattern.
import type { ClauseNode, QueryNode } from '../query/index.js';
import { Unsupported } from './errors.js';

export type Position = 'exact' | 'contains' | 'startswith' | 'endswith';

export interface ValueMods {
  readonly position: Position;
  readonly re: boolean;
  /** `re|i`, `re|m`, `re|s`. */
  readonly reFlags: string;
  readonly cased: boolean;
}

/** Literal text and wildcards of a Sigma value. */
type Piece = { readonly lit: string } | { readonly wild: '*' | '?' };

/** Splits a Sigma value at its unescaped wildcards (`\*`, `\?` and `\\` are literal). */
export function pieces(value: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const next = value[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      lit += next;
      i++;
    } else if (c === '*' || c === '?') {
      if (lit !== '') out.push({ lit });
      lit = '';
      out.push({ wild: c });
    } else {
      lit += c;
    }
  }
  if (lit !== '') out.push({ lit });
  return out;
}

function clause(key: string, op: ClauseNode['op'], value: string, caseless: boolean): ClauseNode {
  return caseless ? { kind: 'clause', key, op, value, caseless: true } : { kind: 'clause', key, op, value };
}

/** RE2 syntax for a literal text. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/** A string field's clause for one Sigma value. */
export function textClause(key: string, raw: string, mods: ValueMods): QueryNode {
  if (mods.re) {
    const flags = mods.reFlags.replace('i', '');
    return clause(key, '/=', flags ? `(?${flags})${raw}` : raw, mods.reFlags.includes('i'));
  }
  const caseless = !mods.cased;
  const ps = pieces(raw);
  if (mods.position === 'contains' || mods.position === 'endswith') ps.unshift({ wild: '*' });
  if (mods.position === 'contains' || mods.position === 'startswith') ps.push({ wild: '*' });
  // Runs of `*` are one `*`.
  const star = (p: Piece | undefined): boolean => p !== undefined && 'wild' in p && p.wild === '*';
  const merged = ps.filter((p, i) => !(star(p) && i > 0 && star(ps[i - 1])));
  const inner = merged.filter((p, i) => !(star(p) && (i === 0 || i === merged.length - 1)));
  if (inner.every((p) => 'lit' in p)) {
    const lit = inner.map((p) => ('lit' in p ? p.lit : '')).join('');
    const lead = star(merged[0]);
    const trail = merged.length > 1 && star(merged[merged.length - 1]);
    if (inner.length === 0) return lead ? clause(key, '^=', '', false) : clause(key, '=', '', caseless);
    if (lead && trail) return clause(key, '~=', lit, caseless);
    if (lead) return clause(key, '$=', lit, caseless);
    if (trail) return clause(key, '^=', lit, caseless);
    return clause(key, '=', lit, caseless);
  }
  const body = merged.map((p) => ('lit' in p ? escapeRegex(p.lit) : p.wild === '*' ? '.*' : '.')).join('');
  return clause(key, '/=', `(?s)^${body}$`, caseless);
}

/** A number field's clause for one Sigma value: exact integers only. */
export function numberClause(key: string, raw: unknown, mods: ValueMods): QueryNode {
  const text = String(raw).trim();
  if (mods.re || mods.position !== 'exact' || !/^-?\d+$/.test(text)) {
    throw new Unsupported(`number field ${key} matched as text (${mods.re ? 're' : mods.position === 'exact' ? JSON.stringify(raw) : mods.position})`);
  }
  return clause(key, '=', String(Number(text)), false);
}

/** `Field|exists: true` (or false), and a `null` value (the field is absent). */
export function existsNode(key: string, type: string, exists: boolean): QueryNode {
  const present: QueryNode =
    type === 'number' ? clause(key, '>=', String(Number.MIN_SAFE_INTEGER), false) : type === 'boolean' ? { kind: 'or', operands: [clause(key, '=', 'true', false), clause(key, '=', 'false', false)] } : clause(key, '^=', '', false);
  return exists ? present : { kind: 'not', operand: present };
}
