// Every supported rule against each row: one predicate per rule (compiled from its AST once), and
// one prefilter for all rules (prefilter.ts), so that a log is read once whatever the rule count.
import { compileAst } from '../query/index.js';
import type { FieldBag } from '../schema/index.js';
import { LiteralSelector, literals } from './prefilter.js';
import type { SupportedRule } from './rule.js';

export class RuleSet {
  private readonly predicates: ((row: FieldBag) => boolean)[];
  /** The prefilter's texts, or undefined when some rule gives none (every line is then read). */
  readonly literals: readonly string[] | undefined;

  constructor(readonly rules: readonly SupportedRule[]) {
    this.predicates = rules.map((r) => compileAst([r.ast]).predicate);
    const sets = rules.map((r) => literals(r.ast));
    this.literals = rules.length > 0 && sets.every((s) => s !== undefined) ? [...new Set(sets.flat() as string[])] : undefined;
  }

  /** A fresh prefilter for one pass over the log, or undefined when it cannot be used. */
  selector(): LiteralSelector | undefined {
    return this.literals && new LiteralSelector(this.literals);
  }

  /** The indices (into `rules`) of the rules the row matches. */
  match(row: FieldBag): number[] {
    const hits: number[] = [];
    const ps = this.predicates;
    for (let i = 0; i < ps.length; i++) if (ps[i]!(row)) hits.push(i);
    return hits;
  }
}
