// `prec hunt`: Sigma rules compiled into the query AST, and matched against command rows with one
// shared prefilter. Depends on schema, query, log and rows (docs/architecture.md).
export { RuleError, Unsupported } from './errors.js';
export { LEVELS, levelRank, type CompiledRule, type SupportedRule, type UnsupportedRule, type Level, type RuleMeta } from './rule.js';
export { compileRuleText } from './compile.js';
export { loadRules, DEFAULT_RULES_DIR } from './load.js';
export { FIELD_MAP } from './fields.js';
export { RuleSet } from './match.js';
export { literals, requirements } from './prefilter.js';
export { GateSelector, rawBasenamesDiffer } from './gate.js';
