// Every supported rule against each row: one predicate per rule (compiled from its AST once), and
// one gate for all rules (gate.ts: each rule's required texts in one automaton), used on the raw
// lines before they are parsed and again on each row, so that a log is read once whatever the rule
// count and a row meets only the predicates of the rules whose texts it holds.
import { compileAst, type QueryNode } from '../query/index.js';
import type { FieldBag } from '../schema/index.js';
import { Gate, GateSelector, GateTables } from './gate.js';
import { requirements, selective } from './prefilter.js';
import type { SupportedRule } from './rule.js';

/** The fields a rule may read to be decided on a line's exe and argv alone (gate.ts LightRow). */
const LIGHT_FIELDS = new Set(['exe', 'argv', 'command', 'argv0_mismatch']);

function readsOnly(node: QueryNode, fields: ReadonlySet<string>): boolean {
  if (node.kind === 'clause') return fields.has(node.key);
  if (node.kind === 'not') return readsOnly(node.operand, fields);
  return node.operands.every((o) => readsOnly(o, fields));
}

export class RuleSet {
  private readonly predicates: ((row: FieldBag) => boolean)[];
  private readonly tables: GateTables;
  private readonly gate: Gate;
  private readonly all: number[];
  /** PREC_NO_PREFILTER=1: no gate at all, every rule on every row (read once: process.env is slow). */
  private readonly noGate = process.env.PREC_NO_PREFILTER === '1';

  constructor(readonly rules: readonly SupportedRule[]) {
    this.predicates = rules.map((r) => compileAst([r.ast]).predicate);
    const light = rules.map((r, i) => (readsOnly(r.ast, LIGHT_FIELDS) ? this.predicates[i] : undefined));
    this.tables = new GateTables(rules.map((r) => selective(requirements(r.ast, true))), light);
    this.gate = new Gate(this.tables);
    this.all = rules.map((_, i) => i);
  }

  /**
   * A fresh line prefilter for one pass over the log, or undefined when it cannot be used (some
   * rule requires no text, or PREC_NO_PREFILTER=1, which shows that the output does not depend on it).
   */
  selector(): GateSelector | undefined {
    if (this.rules.length === 0 || this.tables.unconstrained || this.noGate) return undefined;
    return new GateSelector(this.tables);
  }

  /** The indices (into `rules`) of the rules the row matches, in rule order. */
  match(row: FieldBag): number[] {
    const ps = this.predicates;
    const candidates = this.noGate ? this.all : this.gate.rowRules(row) ?? this.all;
    const hits: number[] = [];
    for (const i of candidates) if (ps[i]!(row)) hits.push(i);
    return hits.sort((a, b) => a - b);
  }
}
