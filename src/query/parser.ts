// Text -> checked AST. Chevrotain does the syntax (one parser instance, built at module load and
// reused); a second pass checks keys, operators and values against the field catalogue. Every
// failure, syntactic or semantic, becomes a QueryError with a 1-based column.
import { EmbeddedActionsParser, EOF, tokenMatcher, type IRecognitionException, type IToken } from './chevrotain.js';
import { fieldByName, parseDuration, parseTimeValue, suggestField, type FieldSpec } from '../schema/index.js';
import { SPACE_CHARS, type ClauseNode, type QueryNode } from './ast.js';
import { compileRegex, OPERATORS, operatorsFor, operatorSpec, type Operator as Op } from './operators.js';
import { QueryError } from './errors.js';
import {
  ALL_TOKENS, And, Key, LParen, Not, Operator, Or, QuotedValue, RParen, UnterminatedValue, Value, queryLexer,
} from './lexer.js';

// The syntax tree before checking: the AST plus the tokens, for error positions.
type RawNode =
  | { kind: 'clause'; key: IToken; op: IToken; value: IToken | undefined }
  | { kind: 'not'; operand: RawNode }
  | { kind: 'and' | 'or'; operands: RawNode[] };

class QueryParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  readonly query = this.RULE('query', (): RawNode => this.SUBRULE(this.orExpr));

  private readonly orExpr = this.RULE('orExpr', (): RawNode => {
    const operands = [this.SUBRULE(this.andExpr)];
    this.MANY(() => {
      this.CONSUME(Or);
      operands.push(this.SUBRULE2(this.andExpr));
    });
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  });

  private readonly andExpr = this.RULE('andExpr', (): RawNode => {
    const operands = [this.SUBRULE(this.unary)];
    this.MANY(() => {
      this.CONSUME(And);
      operands.push(this.SUBRULE2(this.unary));
    });
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  });

  private readonly unary = this.RULE('unary', (): RawNode =>
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Not);
          return { kind: 'not', operand: this.SUBRULE(this.unary) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.orExpr);
          this.CONSUME(RParen);
          return inner;
        },
      },
      { ALT: () => this.SUBRULE(this.clause) },
    ]),
  );

  private readonly clause = this.RULE('clause', (): RawNode => {
    const key = this.CONSUME(Key);
    const op = this.CONSUME(Operator);
    const value = this.OPTION(() => this.CONSUME(Value));
    return { kind: 'clause', key, op, value };
  });
}

const parser = new QueryParser();

const OPERATOR_LIST = OPERATORS.join(', ');

/** Parses and type-checks one query; throws QueryError (only) when it is not valid. */
export function parseQuery(text: string): QueryNode {
  if (typeof text !== 'string') throw new QueryError('a query must be a string', String(text), 1);
  if ([...text].every((c) => SPACE_CHARS.includes(c))) {
    throw new QueryError('empty query: expected a condition such as user=root', text, 1);
  }
  const { tokens } = queryLexer.tokenize(text);
  checkDepth(text, tokens);
  parser.input = tokens;
  let raw: RawNode;
  try {
    raw = parser.query();
  } catch (e) {
    // Recognition errors are collected in parser.errors; anything thrown is a bug we still contain.
    throw new QueryError(`cannot parse the query (${e instanceof Error ? e.message : String(e)})`, text, 1);
  }
  if (parser.errors.length > 0) throw syntaxError(text, tokens, parser.errors[0]!);
  return check(raw, text);
}

/**
 * The field name of every condition of a query, with its 1-based column, in text order: lets
 * callers point at a particular condition (precd: "end-only field here"). Meant for queries that
 * parse; for others it returns what the tokens allow.
 */
export function keyPositions(text: string): Array<{ key: string; column: number }> {
  const { tokens } = queryLexer.tokenize(text);
  const out: Array<{ key: string; column: number }> = [];
  let offset = 0;
  let col = 1; // column of `offset`, advanced incrementally (tokens come in text order)
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (tokenMatcher(t, Key) && next !== undefined && tokenMatcher(next, Operator)) {
      col += [...text.slice(offset, t.startOffset)].length;
      offset = t.startOffset;
      out.push({ key: t.image, column: col });
    }
  });
  return out;
}

/** Nesting of "(" and "!" deep enough to exhaust the stack of a recursive parser is refused up front. */
export const MAX_DEPTH = 100;

function checkDepth(text: string, tokens: IToken[]): void {
  let parens = 0;
  let nots = 0; // a run of "!" before the next condition
  for (const t of tokens) {
    if (tokenMatcher(t, LParen)) parens++;
    else if (tokenMatcher(t, RParen)) parens = Math.max(0, parens - 1);
    else if (tokenMatcher(t, Not)) nots++;
    else if (tokenMatcher(t, Key)) nots = 0;
    if (parens + nots > MAX_DEPTH) {
      throw new QueryError(`the query nests "(" and "!" more than ${MAX_DEPTH} deep`, text, column(text, t.startOffset));
    }
  }
}

function column(text: string, offset: number): number {
  if (!Number.isFinite(offset)) return [...text].length + 1;
  return [...text.slice(0, offset)].length + 1;
}

function endColumn(text: string): number {
  return [...text].length + 1;
}

function isEof(token: IToken | undefined): boolean {
  return token === undefined || token.tokenType === EOF;
}

function shown(token: IToken): string {
  return JSON.stringify(token.image);
}

function syntaxError(text: string, tokens: IToken[], error: IRecognitionException): QueryError {
  const token = error.token;
  const previous = (error as { previousToken?: IToken }).previousToken;
  const prev = previous === undefined || isEof(previous) || !Number.isFinite(previous.startOffset) ? undefined : previous;
  const at = isEof(token) ? endColumn(text) : column(text, token.startOffset);
  const found = isEof(token) ? 'the end of the query' : shown(token);
  const fail = (message: string) => new QueryError(message, text, at);

  if (error.name === 'NotAllInputParsedException') {
    if (tokenMatcher(token, RParen)) return fail('unexpected ")": no "(" to close');
    const after = tokens[tokens.indexOf(token) - 1];
    const what = after === undefined || tokenMatcher(after, Value) ? 'the value' : shown(after);
    return fail(`expected && or || after ${what}, found ${found}`);
  }
  if (error.name === 'MismatchedTokenException' && prev && tokenMatcher(prev, Key)) {
    return fail(`expected an operator (${OPERATOR_LIST}) after ${shown(prev)}`);
  }
  if (error.name === 'MismatchedTokenException') {
    // The only other terminal that can mismatch is the ")" closing a group.
    const open = matchingOpen(tokens, token);
    const where = open === undefined ? '' : ` at column ${column(text, open.startOffset)}`;
    return fail(`expected ")" to close the "("${where}, found ${found}`);
  }
  // No condition where one must start: at the beginning, or after &&, ||, ( or !.
  if (isEof(token)) {
    return fail(`unexpected end of query: expected a condition such as user=root${prev ? ` after ${shown(prev)}` : ''}`);
  }
  if (tokenMatcher(token, Operator)) return fail(`expected a field name before ${shown(token)}`);
  return fail(`expected a condition such as user=root, "(" or "!"${prev ? ` after ${shown(prev)}` : ''}, found ${found}`);
}

/** The "(" left open at `token`: the last one not closed before it. */
function matchingOpen(tokens: IToken[], token: IToken): IToken | undefined {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (t === token) break;
    if (tokenMatcher(t, LParen)) stack.push(t);
    else if (tokenMatcher(t, RParen)) stack.pop();
  }
  return stack.at(-1);
}

function check(node: RawNode, text: string): QueryNode {
  switch (node.kind) {
    case 'not':
      return { kind: 'not', operand: check(node.operand, text) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((o) => check(o, text)) };
    case 'clause':
      return checkClause(node, text);
  }
}

function checkClause(node: Extract<RawNode, { kind: 'clause' }>, text: string): QueryNode {
  const key = node.key.image;
  const op = node.op.image as Op;
  const spec = fieldByName(key);
  if (!spec) {
    const hint = suggestField(key);
    throw new QueryError(`unknown field ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`, text, column(text, node.key.startOffset));
  }
  // Columns are computed only for an error: counting characters per clause would be quadratic.
  const opColumn = () => column(text, node.op.startOffset);
  const valueColumn = () => (node.value ? column(text, node.value.startOffset) : opColumn() + [...op].length);
  const value = node.value ? decodeValue(node.value, text) : '';
  const caseless = node.value?.tokenType === QuotedValue && node.value.image.endsWith('i');
  checkOperator(spec, op, text, opColumn);
  if (caseless && spec.type !== 'string' && spec.type !== 'string[]') {
    throw new QueryError(`a quoted value followed by i (ignore case) applies to text fields only, not to ${spec.type} field ${JSON.stringify(key)}`, text, valueColumn());
  }
  checkValue(spec, op, value, caseless, text, valueColumn);
  const clause: ClauseNode = { kind: 'clause', key, op, value };
  return caseless ? { ...clause, caseless } : clause;
}

function decodeValue(token: IToken, text: string): string {
  const image = token.image;
  if (token.tokenType === UnterminatedValue) {
    throw new QueryError('unterminated quoted value: expected a closing "', text, column(text, token.startOffset));
  }
  if (token.tokenType === QuotedValue) {
    let out = '';
    const end = image.endsWith('i') ? image.length - 2 : image.length - 1;
    for (let i = 1; i < end; i++) {
      const c = image[i]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = image[i + 1]!;
      if (next !== '"' && next !== '\\') {
        const escape = String.fromCodePoint(image.codePointAt(i + 1)!);
        throw new QueryError(`invalid escape "\\${escape}" in a quoted value: only \\" and \\\\ are allowed`, text, column(text, token.startOffset + i));
      }
      out += next;
      i++;
    }
    return out;
  }
  let end = image.length;
  while (end > 0 && SPACE_CHARS.includes(image[end - 1]!)) end--;
  return image.slice(0, end);
}

const TYPE_NAMES: Readonly<Record<FieldSpec['type'], string>> = {
  number: 'number', timestamp: 'timestamp', duration: 'duration', boolean: 'boolean', string: 'text', 'string[]': 'text',
};

function checkOperator(spec: FieldSpec, op: Op, text: string, at: () => number): void {
  if (operatorSpec(op).types.includes(spec.type)) return;
  const allowed = operatorsFor(spec.type);
  const list = allowed.length === 2 ? allowed.join(' or ') : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
  throw new QueryError(`operator ${JSON.stringify(op)} does not apply to ${TYPE_NAMES[spec.type]} field ${JSON.stringify(spec.name)}: use ${list}`, text, at());
}

const INTEGER_RE = /^-?\d+$/;

function checkValue(spec: FieldSpec, op: Op, value: string, caseless: boolean, text: string, at: () => number): void {
  const v = JSON.stringify(value);
  const field = `(field ${spec.name})`;
  const fail = (message: string) => new QueryError(message, text, at());
  switch (spec.type) {
    case 'number':
      if (value === '') throw fail(`expected a number after ${JSON.stringify(spec.name + op)} ${field}`);
      if (!INTEGER_RE.test(value)) throw fail(`${v} is not a number ${field}`);
      if (!Number.isSafeInteger(Number(value))) throw fail(`${v} is out of range ${field}`);
      return;
    case 'timestamp':
      if (parseTimeValue(value) === undefined) {
        throw fail(`${v} is not an RFC3339 timestamp such as 2026-11-22T15:04:05+09:00 or a local 2026-11-22, 2026-11-22 15:04 ${field}`);
      }
      return;
    case 'duration':
      if (parseDuration(value) === undefined) {
        throw fail(`${v} is not a duration YYYY-MM-DD HH:MM:SS such as 0000-00-00 00:10:00 ${field}`);
      }
      return;
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw fail(`${v} is not true or false ${field}`);
      return;
    case 'string':
    case 'string[]':
      if (operatorSpec(op).regex) checkPattern(value, caseless, fail);
      else if (spec.values && !spec.values.some((known) => (caseless ? known.toLowerCase() === value.toLowerCase() : known === value))) {
        throw fail(`${v} is not a valid ${spec.name}: expected ${listOr(spec.values)}`);
      }
      return;
  }
}

/** A `/=` pattern RE2 refuses is an error at the value. */
function checkPattern(value: string, caseless: boolean, fail: (message: string) => QueryError): void {
  try {
    compileRegex(value, caseless);
  } catch (e) {
    // RE2 says `reason: fragment`; the fragment is quoted, so that a newline in it stays one line.
    const said = e instanceof Error ? e.message : String(e);
    const at = said.indexOf(': ');
    const reason = at < 0 ? JSON.stringify(said) : `${said.slice(0, at)} at ${JSON.stringify(said.slice(at + 2))}`;
    throw fail(`${JSON.stringify(value)} is not an RE2 regular expression: ${reason}`);
  }
}

function listOr(values: readonly string[]): string {
  return values.length <= 2 ? values.join(' or ') : `one of ${values.join(', ')}`;
}
