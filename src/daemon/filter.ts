// precd's record filter (SPEC section 6): decides, once per start or fail record, whether it is
// written. Rules are compiled once; the first rule that matches decides, else filter_default.
import { compileQuery } from '../query/index.js';
import type { FieldBag } from '../schema/index.js';
import type { Config } from './defaults.js';

export type RecordFilter = (record: FieldBag) => boolean;

interface Rule {
  readonly keep: boolean;
  readonly predicate: (row: FieldBag) => boolean;
}

/**
 * Compiles `filter`, `filter_default` and `user_only` into a predicate over start and fail records.
 * Loss records always pass (they are never filtered); the config is assumed checked by parseConfig.
 */
export function compileFilter(config: Pick<Config, 'filter' | 'filter_default' | 'user_only'>): RecordFilter {
  const rules: Rule[] = config.filter.map((text) => {
    const q = compileQuery(text.slice(1));
    return { keep: text[0] === '+', predicate: q.predicate };
  });
  const byDefault = config.filter_default === 'allow';
  const userOnly = config.user_only;

  return (record) => {
    if (record.record_type === 'loss') return true;
    if (userOnly && record.source !== 'user') return false;
    // The compiled query derives `command` from argv itself.
    for (const rule of rules) {
      if (rule.predicate(record)) return rule.keep;
    }
    return byDefault;
  };
}
