// Checked AST -> ClickHouse WHERE clause: the SQL back end of the one query language, beside the
// JavaScript one (predicate.ts), reading the same operator table (operators.ts, its `sql` entry) and
// the same catalogue. It reads the merged rows of sql-select.ts (a command row is a start with its
// end's columns joined on; `row_type` is the row's record_type, `finalized` = 1 once the end is
// known, `end_time_ns` the end's time). Works on ClickHouse 18.16 (Debian 12) and current releases:
// no query parameters there, so every literal goes through quoteString, the one escaping function.
//
// Semantics exactly as the JS back end: a clause on an absent key is the table's `whenAbsent`
// (false, except the `!` forms: true); a clause on an end-only field holds only on finalized rows.
// Every clause is a plain 0/1 (NULLs are folded by ifNull), so NOT never meets a NULL.
import { fieldByName, parseDuration, parseTimeValue, type FieldSpec } from '../schema/index.js';
import { KEY_TEXT_EXPRESSIONS, presenceColumn } from '../schema/clickhouse.js';
import type { ClauseNode, QueryNode } from './ast.js';
import { operatorSpec, type OperatorSpec } from './operators.js';

/** The merged row's column of a row's record_type (`start` shown as `command`). */
export const ROW_TYPE_COLUMN = 'row_type';
/** 1 on a command row whose end record was found. */
export const FINALIZED_COLUMN = 'finalized';
/** The end record's time_ns on a finalized command row. */
export const END_TIME_NS_COLUMN = 'end_time_ns';

/**
 * A ClickHouse string literal holding exactly `text`: the one function every literal goes through.
 * Backslash and quote are escaped, NUL and control characters written as escapes (so that no raw
 * byte can end a line or confuse a log), every other character (non-ASCII too) as its UTF-8.
 */
export function quoteString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c === 0) out += '\\0';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** A column name as a quoted identifier; only catalogue and layout names reach it. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unchecked query AST: column ${name}`);
  return `\`${name}\``;
}

function checkedSpec(key: string): FieldSpec {
  const spec = fieldByName(key);
  if (!spec) throw new Error(`unchecked query AST: unknown field ${key}`);
  return spec;
}

/** Is the field argv, or derived from it (`command`: argv joined by single spaces)? */
function argvBased(spec: FieldSpec): boolean {
  return spec.type === 'string[]' || (spec.derivedFrom !== undefined && checkedSpec(spec.derivedFrom).type === 'string[]');
}

/**
 * basenamesDiffer (schema/values.ts) in SQL: NULL when either field is absent or the list empty,
 * else 0/1. `(?s)` so that a path holding a newline is cut at its last `/` as in JS.
 */
function basenamesDifferSql([list, other]: readonly [string, string]): string {
  const base = (x: string): string => `replaceRegexpOne(${x}, '(?s)^.*/', '')`;
  const first = `${quoteIdent(list)}[1]`;
  return `if(${quoteIdent(presenceColumn(list))} = 1 AND notEmpty(${quoteIdent(list)}), ${base(first)} != ${base(quoteIdent(other))}, NULL)`;
}

/** The row's value of a field as a column expression (derived fields from their source). */
function valueExpr(spec: FieldSpec): string {
  if (spec.basenamesOf) return basenamesDifferSql(spec.basenamesOf);
  if (argvBased(spec)) return `arrayStringConcat(${quoteIdent(spec.derivedFrom ?? spec.name)}, ' ')`;
  if (spec.name === 'record_type') return quoteIdent(ROW_TYPE_COLUMN);
  if (spec.type === 'timestamp') return quoteIdent(spec.fromEnd !== undefined ? END_TIME_NS_COLUMN : 'time_ns');
  if (spec.type === 'duration') return `intDiv(greatest(${quoteIdent(spec.derivedFrom!)}, 0), 1000000000) * 1000000000`;
  return quoteIdent(spec.name);
}

/**
 * Where a NULL does not say "absent" (columns that cannot be Nullable): the condition that the row
 * has the key. undefined: the column is Nullable and NULL means absent.
 */
function presenceExpr(spec: FieldSpec): string | undefined {
  if (argvBased(spec)) return `${quoteIdent(presenceColumn(spec.derivedFrom ?? spec.name))} = 1`;
  if (spec.name === 'event_id') return "`event_id` != ''";
  if (spec.type === 'timestamp' && spec.fromEnd !== undefined) return `${quoteIdent(FINALIZED_COLUMN)} = 1`;
  return undefined;
}

/** A number as an SQL literal (the parser has checked that it is a finite number). */
export function numberLiteral(n: number | bigint): string {
  if (typeof n === 'number' && !Number.isFinite(n)) throw new Error(`unchecked query AST: number ${n}`);
  return `(${String(n)})`;
}

/** The test of a present value; may be NULL on a NULL column (folded by the caller). */
function presentTest(spec: FieldSpec, op: OperatorSpec, clause: ClauseNode): string {
  const x = valueExpr(spec);
  const compare = (v: string): string => {
    if (!op.sql.compare) throw new Error(`unchecked query AST: ${op.token} on ${spec.type} field ${spec.name}`);
    return `${x} ${op.sql.compare} ${v}`;
  };
  switch (spec.type) {
    case 'number':
      return compare(numberLiteral(Number(clause.value)));
    case 'boolean':
      return compare(clause.value === 'true' ? '1' : '0');
    case 'timestamp': {
      const ns = parseTimeValue(clause.value);
      if (ns === undefined) throw new Error(`unchecked query AST: bad timestamp ${clause.value}`);
      return compare(numberLiteral(ns));
    }
    case 'duration': {
      const ns = parseDuration(clause.value);
      if (ns === undefined) throw new Error(`unchecked query AST: bad duration ${clause.value}`);
      return compare(numberLiteral(ns));
    }
    case 'string':
    case 'string[]':
      return textTest(x, op, clause);
  }
}

function textTest(x: string, op: OperatorSpec, clause: ClauseNode): string {
  const template = op.sql.text;
  if (!template) throw new Error(`unchecked query AST: ${op.token} on a text field`);
  const caseless = clause.caseless === true;
  let test: string;
  // Caseless as in the JS back end: both sides folded to lower case; a regex gets RE2's (?i).
  if (op.regex) test = template(x, quoteString(caseless ? `(?i)${clause.value}` : clause.value));
  else if (caseless) test = template(`lowerUTF8(${x})`, quoteString(clause.value.toLowerCase()));
  else test = template(x, quoteString(clause.value));
  return op.negated ? `NOT (${test})` : test;
}

/** One clause as a 0/1 SQL expression. */
export function clauseSql(clause: ClauseNode): string {
  const spec = checkedSpec(clause.key);
  const op = operatorSpec(clause.op);
  if (!op.types.includes(spec.type)) throw new Error(`unchecked query AST: ${clause.op} on ${spec.type} field ${spec.name}`);
  const absent = op.whenAbsent ? '1' : '0';
  // The ordered `!=` is its own comparison (compare '!='); text `!` forms are NOT of the positive test.
  const test = presentTest(spec, op, clause);
  const presence = presenceExpr(spec);
  const sql = presence ? `if(${presence}, ifNull(${test}, ${absent}), ${absent})` : `ifNull(${test}, ${absent})`;
  return spec.endOnly ? `(${quoteIdent(FINALIZED_COLUMN)} = 1 AND ${sql})` : sql;
}

/** A checked AST as a WHERE condition over the merged rows. */
export function whereSql(node: QueryNode): string {
  switch (node.kind) {
    case 'clause':
      return clauseSql(node);
    case 'not':
      return `NOT (${whereSql(node.operand)})`;
    case 'and':
      return `(${node.operands.map(whereSql).join(' AND ')})`;
    case 'or':
      return `(${node.operands.map(whereSql).join(' OR ')})`;
  }
}

/**
 * A condition on the sorting key's expressions that every row matching `node` satisfies (a clause
 * `user=V`, case-sensitive, becomes `ifNull(user, '') = 'V'`), or undefined when the query implies
 * none. ANDed to the WHERE clause it changes no answer; ClickHouse uses it to read only the
 * granules that can match (the primary index does not see through the WHERE's ifNull forms).
 */
export function keyHintSql(node: QueryNode): string | undefined {
  switch (node.kind) {
    case 'clause': {
      const expr = KEY_TEXT_EXPRESSIONS.get(checkedSpec(node.key).name);
      return expr !== undefined && node.op === '=' && node.caseless !== true ? `${expr} = ${quoteString(node.value)}` : undefined;
    }
    case 'not':
      return undefined;
    case 'and': {
      const hints = node.operands.map(keyHintSql).filter((h): h is string => h !== undefined);
      return hints.length === 0 ? undefined : `(${hints.join(' AND ')})`;
    }
    case 'or': {
      const hints = node.operands.map(keyHintSql);
      return hints.some((h) => h === undefined) ? undefined : `(${hints.join(' OR ')})`;
    }
  }
}
