// The fast compiler: one JavaScript function per query, so that each condition reads its field
// with a property access of its own (monomorphic, inlined) instead of one shared closure reading
// every field (megamorphic): about twice the closures' throughput on bench/query.bench.ts.
//
// Safety: the generated source is made only of fixed templates and catalogue field names (checked
// against the catalogue and written as JSON string literals). Query values and log content never
// enter the source; values are passed in as constants (v0, v1, ...) and rows are only read.
// compile.ts is the reference semantics; a property test checks that both agree.
import { fieldByName, parseDuration } from '../schema/index.js';
import type { ClauseNode, QueryNode } from './ast.js';
import {
  compileNode, containsTest, joinedEquals, printedDurationMinus, timestampComparator, wholeSecondsNs, type Predicate,
} from './compile.js';

const FIELD_NAME_RE = /^[a-z_][a-z0-9_]*$/;

interface Emitter {
  readonly names: string[];
  readonly values: unknown[];
}

function constant(e: Emitter, value: unknown): string {
  const name = `v${e.values.length}`;
  e.names.push(name);
  e.values.push(value);
  return name;
}

function prop(key: string): string {
  if (fieldByName(key) === undefined || !FIELD_NAME_RE.test(key)) throw new Error(`unchecked query AST: field ${key}`);
  return `row[${JSON.stringify(key)}]`;
}

function emit(e: Emitter, node: QueryNode): string {
  switch (node.kind) {
    case 'not':
      return `!${emit(e, node.operand)}`;
    case 'and':
      return `(${node.operands.map((o) => emit(e, o)).join(' && ')})`;
    case 'or':
      return `(${node.operands.map((o) => emit(e, o)).join(' || ')})`;
    case 'clause': {
      const spec = fieldByName(node.key);
      if (!spec) throw new Error(`unchecked query AST: unknown field ${node.key}`);
      const test = emitClause(e, node, spec.type);
      return spec.endOnly ? `(typeof ${prop('end_timestamp')} === "string" && ${test})` : test;
    }
  }
}

// Orderings; NaN (no comparable value) fails each of them and passes only `!=`, as the missing-key
// rule wants.
const ORDER_OPS: Readonly<Record<string, string>> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

function ordered(op: string, difference: string): string {
  if (op === '=') return `(${difference} === 0)`;
  if (op === '!=') return `!(${difference} === 0)`;
  const js = ORDER_OPS[op];
  if (!js) throw new Error(`unchecked query AST: ${op} on an ordered field`);
  return `(${difference} ${js} 0)`;
}

function emitClause(e: Emitter, node: ClauseNode, type: string): string {
  const { op, value } = node;
  const row = prop(node.key);
  switch (type) {
    case 'number': {
      const v = constant(e, Number(value));
      if (op === '=') return `(${row} === ${v})`;
      if (op === '!=') return `(${row} !== ${v})`;
      const js = ORDER_OPS[op];
      if (!js) throw new Error(`unchecked query AST: ${op} on a number field`);
      return `(typeof (x = ${row}) === "number" && x ${js} ${v})`;
    }
    case 'timestamp': {
      const c = constant(e, timestampComparator(value));
      return ordered(op, `(typeof (x = ${row}) === "string" ? ${c}(x) : NaN)`);
    }
    case 'duration': {
      const q = parseDuration(value);
      if (q === undefined) throw new Error(`unchecked query AST: bad duration ${value}`);
      const v = constant(e, q);
      const whole = constant(e, wholeSecondsNs);
      const fallback = constant(e, printedDurationMinus);
      return ordered(op, `(typeof (x = ${prop('duration_ns')}) === "number" ? ${whole}(x) - ${v} : ${fallback}(row, ${v}))`);
    }
    case 'boolean': {
      const v = constant(e, value === 'true');
      if (op === '=') return `(${row} === ${v})`;
      if (op === '!=') return `(${row} !== ${v})`;
      throw new Error(`unchecked query AST: ${op} on a boolean field`);
    }
    case 'string[]':
    case 'string': {
      const v = constant(e, value);
      const argvBased = type === 'string[]' || node.key === 'command';
      // Rows without an argv array: `command` may be carried as text; argv has nothing to offer.
      const text = !argvBased ? row : node.key === 'command' ? prop('command') : 'undefined';
      let onText: string;
      if (op === '=') onText = `(${text} === ${v})`;
      else if (op === '!=') onText = `(${text} !== ${v})`;
      else if (op === '~=') onText = `(typeof (x = ${text}) === "string" && x.includes(${v}))`;
      else if (op === '!~=') onText = `(typeof (x = ${text}) !== "string" || !x.includes(${v}))`;
      else throw new Error(`unchecked query AST: ${op} on a text field`);
      if (!argvBased) return onText;
      let onArgv: string;
      if (op === '=' || op === '!=') onArgv = `${op === '=' ? '' : '!'}${constant(e, joinedEquals)}(x, ${v})`;
      else onArgv = `${op === '~=' ? '' : '!'}${constant(e, containsTest(value))}(x)`;
      return `(Array.isArray(x = ${prop('argv')}) ? ${onArgv} : ${onText})`;
    }
    default:
      throw new Error(`unchecked query AST: field type ${type}`);
  }
}

let codegenAvailable = true;

/**
 * The predicate of a checked AST, generated as one function; falls back to the closures of
 * compile.ts where code generation is disabled (node --disallow-code-generation-from-strings).
 */
export function generatePredicate(node: QueryNode): Predicate {
  if (!codegenAvailable) return compileNode(node);
  const e: Emitter = { names: [], values: [] };
  const body = emit(e, node);
  const constants = e.names.map((name, i) => `const ${name} = values[${i}];`).join('\n');
  try {
    const factory = new Function('values', `"use strict";\n${constants}\nreturn function predicate(row) { let x; return ${body}; };`);
    return factory(e.values) as Predicate;
  } catch (err) {
    // Disabled code generation, or a query too large for the engine: same semantics, slower.
    if (err instanceof EvalError) codegenAvailable = false;
    return compileNode(node);
  }
}
