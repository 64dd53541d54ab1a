// One Sigma rule (YAML text) -> CompiledRule: compiled ONCE into the query AST, which local
// evaluation, `-F` alerting and `--server` SQL all read. A rule prec cannot evaluate comes back
// unsupported with the reason; a malformed one throws RuleError naming the file, the key and,
// where the parser knows it, the line and column.
import { basename } from 'node:path';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { compileAst, type QueryNode } from '../query/index.js';
import { RuleError, Unsupported } from './errors.js';
import { searchNode, type Malformed } from './detection.js';
import { parseCondition } from './condition.js';
import { LEVELS, type CompiledRule, type Level, type RuleMeta } from './rule.js';

type Path = readonly (string | number)[];

/** Where a key path is in the file, for error messages. */
function locator(file: string, doc: Document, lines: LineCounter): (path: Path, detail: string) => never {
  return (path, detail) => {
    let at: number | undefined;
    for (let n = path.length; n > 0 && at === undefined; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) at = node.range[0];
    }
    const pos = at === undefined ? undefined : lines.linePos(at);
    throw new RuleError(file, `${path.join('.')}: ${detail}`, pos?.line, pos?.col);
  };
}

export function compileRuleText(text: string, file: string): CompiledRule {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new RuleError(file, 'empty file');
  const doc = docs[0];
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      throw new RuleError(file, e.message.split('\n')[0]!, pos?.line, pos?.col);
    }
  }
  if (!doc) throw new RuleError(file, 'empty file');
  const bad = locator(file, doc, lines);
  const rule: unknown = doc.toJS();
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return bad([], 'a rule must be a YAML map');
  const r = rule as Record<string, unknown>;
  const meta = ruleMeta(file, r, bad);
  try {
    if (docs.length > 1) throw new Unsupported('rule collection (several YAML documents)');
    checkLogsource(r.logsource, bad);
    const ast = detectionNode(r.detection, bad);
    checkEvaluable(ast);
    return { ...meta, supported: true, ast };
  } catch (e) {
    if (e instanceof Unsupported) return { ...meta, supported: false, reason: e.reason };
    throw e;
  }
}

function ruleMeta(file: string, r: Record<string, unknown>, bad: Malformed): RuleMeta {
  if (typeof r.title !== 'string' || r.title.trim() === '') return bad(['title'], 'missing or not a string');
  if (r.id !== undefined && typeof r.id !== 'string') return bad(['id'], 'not a string');
  const level = r.level ?? 'medium';
  if (!(LEVELS as readonly unknown[]).includes(level)) return bad(['level'], `must be one of ${LEVELS.join(', ')}`);
  const tags = r.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return bad(['tags'], 'must be a list of strings');
  return { file, id: (r.id as string | undefined) ?? basename(file), title: r.title, level: level as Level, tags: tags as string[] };
}

function checkLogsource(logsource: unknown, bad: Malformed): void {
  if (typeof logsource !== 'object' || logsource === null || Array.isArray(logsource)) return bad(['logsource'], 'missing or not a map');
  const l = logsource as Record<string, unknown>;
  if (l.category !== 'process_creation') throw new Unsupported(`logsource category ${String(l.category)} (prec records process_creation)`);
  if (l.product !== undefined && l.product !== 'linux') throw new Unsupported(`logsource product ${String(l.product)}`);
}

function detectionNode(detection: unknown, bad: Malformed): QueryNode {
  if (typeof detection !== 'object' || detection === null || Array.isArray(detection)) return bad(['detection'], 'missing or not a map');
  const d = detection as Record<string, unknown>;
  const ids = new Map<string, QueryNode>();
  const unsupported: string[] = [];
  const inDetection: Malformed = (path, detail) => bad(['detection', ...path], detail);
  for (const [name, value] of Object.entries(d)) {
    if (name === 'condition' || name === 'timeframe') continue;
    try {
      ids.set(name, searchNode(name, value, inDetection));
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      unsupported.push(e.reason);
    }
  }
  if (d.timeframe !== undefined) throw new Unsupported('timeframe');
  if (unsupported.length > 0) throw new Unsupported([...new Set(unsupported)].join('; '));
  const conditions = Array.isArray(d.condition) ? d.condition : [d.condition];
  if (conditions.length === 0 || !conditions.every((c) => typeof c === 'string')) return bad(['detection', 'condition'], 'missing or not a string');
  const nodes = (conditions as string[]).map((c) => {
    try {
      return parseCondition(c, ids);
    } catch (e) {
      if (e instanceof SyntaxError) return bad(['detection', 'condition'], e.message);
      throw e;
    }
  });
  return nodes.length === 1 ? nodes[0]! : { kind: 'or', operands: nodes };
}

/** Compiles the AST once here, so that a pattern RE2 refuses makes the rule unsupported, not a crash later. */
function checkEvaluable(ast: QueryNode): void {
  try {
    compileAst([ast]);
  } catch (e) {
    throw new Unsupported(`regular expression RE2 cannot run: ${(e as Error).message.split('\n')[0]}`);
  }
}
