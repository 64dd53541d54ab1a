// Sigma search identifiers -> query AST: a map is the AND of its fields, a list of maps the OR of
// them, a field with a list of values the OR of the values (the AND with `|all`).
import { fieldByName } from '../schema/index.js';
import type { QueryNode } from '../query/index.js';
import { Unsupported } from './errors.js';
import { FIELD_MAP, NATIVE_FIELDS } from './fields.js';
import { existsNode, numberClause, textClause, type Position, type ValueMods } from './values.js';

/** Reports a malformed rule at a key path under `detection` (load.ts turns it into a RuleError). */
export type Malformed = (path: readonly (string | number)[], detail: string) => never;

const POSITIONS: readonly Position[] = ['contains', 'startswith', 'endswith'];
const RE_FLAGS = ['i', 'm', 's'];

export function andOf(nodes: QueryNode[]): QueryNode {
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', operands: nodes };
}

export function orOf(nodes: QueryNode[]): QueryNode {
  return nodes.length === 1 ? nodes[0]! : { kind: 'or', operands: nodes };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One search identifier's value. */
export function searchNode(name: string, value: unknown, bad: Malformed): QueryNode {
  if (isMap(value)) return mapNode([name], value, bad);
  if (Array.isArray(value) && value.length > 0 && value.every(isMap)) {
    return orOf(value.map((m, i) => mapNode([name, i], m as Record<string, unknown>, bad)));
  }
  if (Array.isArray(value) || typeof value === 'string' || typeof value === 'number') {
    throw new Unsupported(`keyword search (${name}: values without a field)`);
  }
  return bad([name], 'a search identifier must be a map of fields or a list of maps');
}

function mapNode(path: (string | number)[], map: Record<string, unknown>, bad: Malformed): QueryNode {
  const entries = Object.entries(map);
  if (entries.length === 0) return bad(path, 'empty map of fields');
  return andOf(entries.map(([spec, v]) => fieldNode([...path, spec], spec, v, bad)));
}

interface ParsedSpec {
  readonly key: string;
  readonly type: string;
  readonly mods: ValueMods;
  readonly all: boolean;
  readonly exists: boolean;
}

/** `Field|mod|mod` -> catalogue key and modifiers; Unsupported for what prec cannot evaluate. */
function parseSpec(path: (string | number)[], spec: string, bad: Malformed): ParsedSpec {
  const [field = '', ...mods] = spec.split('|');
  if (field === '') return bad(path, 'empty field name');
  const key = FIELD_MAP[field] ?? (NATIVE_FIELDS.includes(field) ? field : undefined);
  if (key === undefined) throw new Unsupported(`field ${field} is not recorded by prec`);
  const def = fieldByName(key);
  if (!def) throw new Unsupported(`field ${field} not in this build`);
  let position: Position = 'exact';
  let re = false;
  let reFlags = '';
  let cased = false;
  let all = false;
  let exists = false;
  for (const m of mods) {
    if ((POSITIONS as readonly string[]).includes(m) && position === 'exact') position = m as Position;
    else if (m === 're') re = true;
    else if (re && RE_FLAGS.includes(m)) reFlags += m;
    else if (m === 'cased') cased = true;
    else if (m === 'all') all = true;
    else if (m === 'exists') exists = true;
    else if (m === '') bad(path, 'empty modifier');
    else throw new Unsupported(`modifier ${m}`);
  }
  if (re && position !== 'exact') throw new Unsupported(`modifier re with ${position}`);
  return { key, type: def.type, mods: { position, re, reFlags, cased }, all, exists };
}

function fieldNode(path: (string | number)[], spec: string, value: unknown, bad: Malformed): QueryNode {
  const p = parseSpec(path, spec, bad);
  if (p.exists) {
    if (typeof value !== 'boolean') return bad(path, '|exists takes true or false');
    return existsNode(p.key, p.type, value);
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return bad(path, 'empty list of values');
  const nodes = values.map((v, i) => valueNode(Array.isArray(value) ? [...path, i] : path, p, v, bad));
  return p.all ? andOf(nodes) : orOf(nodes);
}

function valueNode(path: (string | number)[], p: ParsedSpec, v: unknown, bad: Malformed): QueryNode {
  if (v === null) return existsNode(p.key, p.type, false);
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return bad(path, 'a value must be a string, a number, a boolean or null');
  if (p.type === 'number') return numberClause(p.key, v, p.mods);
  if (p.type === 'boolean') {
    if (typeof v !== 'boolean' || p.mods.position !== 'exact' || p.mods.re) throw new Unsupported(`boolean field ${p.key} matched as text`);
    return { kind: 'clause', key: p.key, op: '=', value: String(v) };
  }
  if (p.type !== 'string') throw new Unsupported(`field ${p.key} of type ${p.type}`);
  return textClause(p.key, String(v), p.mods);
}
