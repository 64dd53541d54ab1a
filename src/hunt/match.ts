// Every supported rule against each row: one predicate per rule (compiled from its AST once), and
// one prefilter for all rules (prefilter.ts), so that a log is read once whatever the rule count.
import { compileAst } from '../query/index.js';
import type { FieldBag } from '../schema/index.js';
import { Automaton, LiteralSelector, literals, scanBytes } from './prefilter.js';
import type { SupportedRule } from './rule.js';

export class RuleSet {
  private readonly predicates: ((row: FieldBag) => boolean)[];
  /** The prefilter's texts, or undefined when some rule gives none (every line is then read). */
  readonly literals: readonly string[] | undefined;

  /** Row-level prefilter: an automaton over the row's JSON text, and per literal the rules it admits. */
  private readonly automaton: Automaton;
  private readonly rulesOf: number[][];
  /** Rules without a literal set: tested on every row. */
  private readonly always: number[];

  constructor(readonly rules: readonly SupportedRule[]) {
    this.predicates = rules.map((r) => compileAst([r.ast]).predicate);
    const sets = rules.map((r) => literals(r.ast));
    this.literals = rules.length > 0 && sets.every((s) => s !== undefined) ? [...new Set(sets.flat() as string[])] : undefined;
    const texts = [...new Set(sets.flatMap((s) => s ?? []))];
    const index = new Map(texts.map((t, i) => [t, i]));
    this.rulesOf = texts.map(() => []);
    this.always = [];
    sets.forEach((set, r) => {
      if (set === undefined) this.always.push(r);
      else for (const t of set) this.rulesOf[index.get(t)!]!.push(r);
    });
    this.automaton = new Automaton(texts.map(scanBytes));
  }

  /**
   * The rules worth testing on a row: those with a literal in the row's JSON text (ASCII case
   * folded, the same text the line prefilter saw, re-encoded), and those without literals. A row
   * with any non-ASCII character tests every rule (Unicode case folding may make ASCII of it).
   */
  private candidates(row: FieldBag): Uint8Array | undefined {
    const hay = JSON.stringify(row);
    const { delta, outputs } = this.automaton;
    const marks = new Uint8Array(this.rules.length);
    let s = 0;
    for (let i = 0; i < hay.length; i++) {
      let c = hay.charCodeAt(i);
      if (c >= 0x80) return undefined;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      s = delta[s * 256 + c]!;
      const out = outputs[s];
      if (out) for (const t of out) for (const r of this.rulesOf[t]!) marks[r] = 1;
    }
    for (const r of this.always) marks[r] = 1;
    return marks;
  }

  /** A fresh prefilter for one pass over the log, or undefined when it cannot be used. */
  selector(): LiteralSelector | undefined {
    return this.literals && new LiteralSelector(this.literals);
  }

  /** The indices (into `rules`) of the rules the row matches. */
  match(row: FieldBag): number[] {
    const hits: number[] = [];
    const ps = this.predicates;
    const marks = this.candidates(row);
    for (let i = 0; i < ps.length; i++) if ((!marks || marks[i]) && ps[i]!(row)) hits.push(i);
    return hits;
  }
}
