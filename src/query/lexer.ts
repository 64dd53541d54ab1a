// Tokens of the query language. Two lexer modes, because a value is free text: after an operator
// the lexer enters `value` mode, where `!`, `(`, `=` and spaces are ordinary characters, and a
// bare value runs to the next `&&`, `||`, `)` or the end. Every input lexes (a `Junk` token takes
// any stray character), so all problems surface as parser errors with a position.
import { createToken, Lexer, type TokenType } from './chevrotain.js';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });

// Category tokens the parser consumes; the concrete tokens differ by mode (a mode switch is a
// property of the token type).
export const And = createToken({ name: 'And', pattern: Lexer.NA });
export const Or = createToken({ name: 'Or', pattern: Lexer.NA });
export const RParen = createToken({ name: 'RParen', pattern: Lexer.NA });
export const Operator = createToken({ name: 'Operator', pattern: Lexer.NA });
export const Value = createToken({ name: 'Value', pattern: Lexer.NA });

const AndExpr = createToken({ name: 'AndExpr', pattern: /&&/, categories: And });
const OrExpr = createToken({ name: 'OrExpr', pattern: /\|\|/, categories: Or });
const RParenExpr = createToken({ name: 'RParenExpr', pattern: /\)/, categories: RParen });
// An empty value: the operator is directly followed by what ends a value.
const AndAfterOp = createToken({ name: 'AndAfterOp', pattern: /&&/, categories: And, pop_mode: true });
const OrAfterOp = createToken({ name: 'OrAfterOp', pattern: /\|\|/, categories: Or, pop_mode: true });
const RParenAfterOp = createToken({ name: 'RParenAfterOp', pattern: /\)/, categories: RParen, pop_mode: true });

export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const Not = createToken({ name: 'Not', pattern: /!/ });

function op(name: string, text: string): TokenType {
  return createToken({ name, pattern: new RegExp(text.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&')), categories: Operator, push_mode: 'value' });
}
// Longest first: `!~=` before `!=` before `!` (Not is listed after the operators).
const OPS = [op('NotContains', '!~='), op('NotStartsWith', '!^='), op('NotEndsWith', '!$='), op('NotMatches', '!/='),
  op('NotEqual', '!='), op('Contains', '~='), op('StartsWith', '^='), op('EndsWith', '$='), op('Matches', '/='),
  op('GreaterEqual', '>='), op('LessEqual', '<='), op('Equal', '='), op('Greater', '>'), op('Less', '<')];

// A key is any run of characters that cannot start something else, so that a misspelt or foreign
// name still reaches the "unknown field (did you mean ...)" check rather than a lexing error.
// `^`, `$` and `/` end a key only where they start an operator (`exe^=x`), so that a foreign name
// with one of them still reads as one key.
export const Key = createToken({ name: 'Key', pattern: /(?:[^ \t\r\n=!<>~()&|"^$/]|[\^$/](?!=))+/ });
export const Junk = createToken({ name: 'Junk', pattern: /[\s\S]/ });

export const QuotedValue = createToken({
  name: 'QuotedValue',
  // A trailing `i` asks text operators to ignore case (`command~="CURL"i`).
  pattern: /"(?:[^"\\]|\\[\s\S])*"i?/,
  categories: Value,
  pop_mode: true,
});
/** An opening quote with no closing one: reported as such rather than as a bare value. */
export const UnterminatedValue = createToken({
  name: 'UnterminatedValue',
  pattern: /"[\s\S]*/,
  categories: Value,
  pop_mode: true,
});
/** Up to the next `&&`, `||`, `)` or the end; trailing spaces are trimmed by the parser. */
export const BareValue = createToken({
  name: 'BareValue',
  pattern: /(?:[^&|)" \t\r\n]|&(?!&)|\|(?!\|))(?:[^&|)]|&(?!&)|\|(?!\|))*/,
  categories: Value,
  pop_mode: true,
});

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, And, Or, RParen, Operator, Value,
  AndExpr, OrExpr, RParenExpr, AndAfterOp, OrAfterOp, RParenAfterOp, LParen, Not, ...OPS, Key, Junk,
  QuotedValue, UnterminatedValue, BareValue,
];

export const queryLexer = new Lexer(
  {
    defaultMode: 'expr',
    modes: {
      expr: [WhiteSpace, AndExpr, OrExpr, LParen, RParenExpr, ...OPS, Not, Key, Junk],
      value: [WhiteSpace, AndAfterOp, OrAfterOp, RParenAfterOp, QuotedValue, UnterminatedValue, BareValue],
    },
  },
  { positionTracking: 'onlyOffset', ensureOptimizations: false },
);
