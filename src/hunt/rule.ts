// What a Sigma rule is to prec: its metadata, and once compiled its query AST (the one form every
// back end reads: the JS predicate here, ClickHouse SQL for --server) or why it cannot be compiled.
import type { QueryNode } from '../query/index.js';

/** Sigma levels, most severe first: the order hits are reported in. */
export const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Level = (typeof LEVELS)[number];

export interface RuleMeta {
  /** The file the rule was read from. */
  readonly file: string;
  readonly id: string;
  readonly title: string;
  readonly level: Level;
  readonly tags: readonly string[];
}

export interface SupportedRule extends RuleMeta {
  readonly supported: true;
  readonly ast: QueryNode;
}

export interface UnsupportedRule extends RuleMeta {
  readonly supported: false;
  readonly reason: string;
}

export type CompiledRule = SupportedRule | UnsupportedRule;

/** Rank of a level: 0 for critical, larger for less severe. */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}
