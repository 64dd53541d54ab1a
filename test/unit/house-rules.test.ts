// The house rules that the compiler does not check (docs/architecture.md): no import cycle in src/,
// each part imports only what the table there allows, and no function in src/ over 100 lines.
// Read from the TypeScript sources with the compiler's own parser, type-only imports included (a
// cycle of types is still two modules that cannot be understood apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const MAX_FUNCTION_LINES = 100;


/** Direct imports a part may make (others: none); a part not listed here is not restricted by it. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  schema: [],
  query: ['schema'],
};
/** Parts a part must never reach, directly or through others. */
const NEVER_REACHES: Readonly<Record<string, readonly string[]>> = {
  daemon: ['cli', 'log', 'rows', 'hunt', 'stats'],
  cli: ['daemon'],
};
/** Parts that must not load the native addon (the daemon's kernel side), directly or not. */
const NO_ADDON: readonly string[] = ['cli', 'log', 'rows', 'query', 'schema'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const files = sourceFiles(SRC);
const parsed = new Map(files.map((f) => [f, ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true)]));
const rel = (f: string): string => relative(SRC, f);
const partOf = (f: string): string => rel(f).split('/')[0]!;

/** The src/ files a file imports: static, re-exported and dynamic (`import('./x.js')`) imports. */
function importsOf(sf: ts.SourceFile): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const out: string[] = [];
  for (const spec of specs) {
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(sf.fileName), spec.replace(/\.js$/, '.ts'));
    assert.ok(parsed.has(target), `${rel(sf.fileName)} imports ${spec}, which is not a file in src/`);
    out.push(target);
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(parsed.get(f)!)]));

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)!.includes(v)) found.push(scc.map(rel).sort());
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return found;
}

function reachable(from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    for (const w of graph.get(todo.pop()!)!) if (!seen.has(w)) seen.add(w), todo.push(w);
  }
  return seen;
}

test('no import cycle in src/', () => {
  assert.deepEqual(cycles(), []);
});

test('each part of src/ imports only what docs/architecture.md allows', () => {
  const wrong: string[] = [];
  for (const [f, targets] of graph) {
    const part = partOf(f);
    const allowed = MAY_IMPORT[part];
    for (const t of targets) {
      const other = partOf(t);
      if (allowed !== undefined && other !== part && !allowed.includes(other)) wrong.push(`${rel(f)} imports ${rel(t)}`);
    }
    const never = NEVER_REACHES[part] ?? [];
    const noAddon = NO_ADDON.includes(part);
    for (const t of reachable(f)) {
      if (never.includes(partOf(t))) wrong.push(`${rel(f)} reaches ${rel(t)}`);
      if (noAddon && parsed.get(t)!.text.includes('prec_addon')) wrong.push(`${rel(f)} reaches the addon through ${rel(t)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** Each function, method, accessor, constructor and arrow in a file, named by what encloses it. */
function functionLengths(sf: ts.SourceFile): Map<string, number> {
  const lengths = new Map<string, number>();
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line;
  const nameOf = (node: ts.Node): string | undefined => {
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    const named = node as ts.Node & { name?: ts.Node };
    if (named.name && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name) || ts.isPrivateIdentifier(named.name))) return named.name.text;
    // An arrow or function expression takes the name of what it is assigned to.
    const p = node.parent;
    if (p && (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) && ts.isIdentifier(p.name)) return p.name.text;
    return undefined;
  };
  const visit = (node: ts.Node, path: readonly string[]): void => {
    let inner = path;
    if (ts.isClassLike(node)) inner = [...path, node.name?.text ?? '<class>'];
    else if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      inner = [...path, nameOf(node) ?? `<anonymous line ${lineOf(node.getStart(sf)) + 1}>`];
      const name = `${rel(sf.fileName)}:${inner.join('.')}`;
      const lines = lineOf(body.getEnd()) - lineOf(body.getStart(sf)) + 1;
      lengths.set(name, Math.max(lines, lengths.get(name) ?? 0));
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(sf, []);
  return lengths;
}

test(`no function in src/ over ${MAX_FUNCTION_LINES} lines`, () => {
  const all = new Map<string, number>();
  for (const sf of parsed.values()) for (const [name, n] of functionLengths(sf)) all.set(name, n);
  const tooLong = [...all].filter(([, n]) => n > MAX_FUNCTION_LINES);
  assert.deepEqual(tooLong.map(([name, n]) => `${name}: ${n} lines`), []);
});
