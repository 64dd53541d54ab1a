// Tree view (--tree). Each row is linked to its parent: the latest command whose pid is the row's
// ppid, that started before the row and had not ended before it (pids are reused, so an older command
// with the same pid, long gone, is never taken). Rows without a parent in the log are roots.
//
// Exec chains: a command whose start follows an `exec_replaced` end of the same pid (the program that
// exec'd it, e.g. `sh -c 'exec env true'` -> env -> true) is drawn under the program it replaced, not
// as its sibling, and marked: EXEC_MARK in text and table (json and csv keep exactly the selected
// fields; the row follows the one it replaced, and `exec_replaced` of that row says why). Children
// started after the exec have the new program as their latest command with that pid, so they hang
// under it.
//
// Roots, and the children of each row, are printed in time order (by start timestamp; a row without
// one keeps its place after the row before it in the log), whatever order the files were read in.
//
// When the query leaves rows out, the selected rows are printed with their ancestors (marked, see
// ANCESTOR_MARK, text and table only) so that a hit is always seen in its chain; with -n N only the last
// N selected rows are, with their ancestors. Everything is iterative: a chain thousands of levels
// deep does not touch the call stack. The tree needs every row in memory (it is a whole-log view).
import { parseTimestampNs } from '../schema/index.js';
import { emit, emitEnd, type ViewContext } from './context.js';
import { collectRows, type RowBag } from '../rows/index.js';

interface Node {
  readonly row: RowBag;
  readonly start: bigint | undefined;
  readonly end: bigint | undefined;
  /** Start time to order by: the start, or that of the row before it in the log when it has none. */
  readonly order: bigint;
  parent: number;
  /** Linked to its parent because it replaced it by exec. */
  exec: boolean;
  readonly children: number[];
  shown: boolean;
  hit: boolean;
}

export interface TreeLine {
  readonly row: RowBag;
  readonly prefix: string;
  readonly depth: number;
  readonly ancestor: boolean;
  /** The program its parent exec'd (same process), not a child process. */
  readonly exec: boolean;
}

/** Links rows (in log order) into a forest and returns the lines to print, in order. */
export function buildTree(rows: readonly RowBag[], matches: (row: RowBag) => boolean, limit = 0): TreeLine[] {
  const nodes = makeNodes(rows);
  link(nodes);
  select(nodes, matches, limit);
  return layout(nodes);
}

function makeNodes(rows: readonly RowBag[]): Node[] {
  let order = -(1n << 80n);
  return rows.map((row) => {
    const start = ts(row.timestamp);
    if (start !== undefined) order = start;
    return { row, start, end: ts(row.end_timestamp), order, parent: -1, exec: false, children: [], shown: false, hit: false };
  });
}

function link(nodes: Node[]): void {
  // pid -> index of the latest command with that pid seen so far.
  const latestByPid = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const isCommand = n.row.record_type === 'command' && typeof n.row.pid === 'number';
    const replaced = isCommand ? latestByPid.get(n.row.pid as number) : undefined;
    if (replaced !== undefined && nodes[replaced]!.row.exec_replaced === true && startedBefore(nodes[replaced]!, n)) {
      n.parent = replaced;
      n.exec = true;
      nodes[replaced]!.children.push(i);
    } else {
      const ppid = n.row.ppid;
      const p = typeof ppid === 'number' ? latestByPid.get(ppid) : undefined;
      if (p !== undefined && p !== i) {
        const parent = nodes[p]!;
        const notEnded = parent.end === undefined || n.start === undefined || parent.end >= n.start;
        if (startedBefore(parent, n) && notEnded) {
          n.parent = p;
          parent.children.push(i);
        }
      }
    }
    // Only commands are processes that can have children; a failed exec left its caller unchanged.
    if (isCommand) latestByPid.set(n.row.pid as number, i);
  }
}

function startedBefore(parent: Node, n: Node): boolean {
  return parent.start === undefined || n.start === undefined || parent.start <= n.start;
}

/** Marks the hits (the last `limit` when limit > 0) and the chains above them as shown. */
function select(nodes: Node[], matches: (row: RowBag) => boolean, limit: number): void {
  let hits: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (matches(nodes[i]!.row)) hits.push(i);
  if (limit > 0 && hits.length > limit) hits = hits.slice(hits.length - limit);
  for (const i of hits) {
    nodes[i]!.hit = true;
    // Mark the chain up to the first node already shown (whose own chain is then shown too).
    for (let j = i; j !== -1 && !nodes[j]!.shown; j = nodes[j]!.parent) nodes[j]!.shown = true;
  }
}

/** The shown nodes in tree order (depth first, siblings in time order), with their drawing. */
function layout(nodes: Node[]): TreeLine[] {
  const byTime = (a: number, b: number): number => {
    const d = nodes[a]!.order - nodes[b]!.order;
    return d < 0n ? -1 : d > 0n ? 1 : a - b;
  };
  const roots: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.shown && nodes[i]!.parent === -1) roots.push(i);
  roots.sort(byTime);
  const lines: TreeLine[] = [];
  const stack: Array<{ i: number; prefix: string; cont: string; depth: number }> = [];
  for (let k = roots.length - 1; k >= 0; k--) stack.push({ i: roots[k]!, prefix: '', cont: '', depth: 0 });
  while (stack.length > 0) {
    const { i, prefix, cont, depth } = stack.pop()!;
    const n = nodes[i]!;
    lines.push({ row: n.row, prefix, depth, ancestor: !n.hit, exec: n.exec });
    const kids = n.children.filter((c) => nodes[c]!.shown).sort(byTime);
    for (let k = kids.length - 1; k >= 0; k--) {
      const last = k === kids.length - 1;
      stack.push({
        i: kids[k]!,
        prefix: cont + (last ? '└─ ' : '├─ '),
        cont: cont + (last ? '   ' : '│  '),
        depth: depth + 1,
      });
    }
  }
  return lines;
}

function ts(v: unknown): bigint | undefined {
  return typeof v === 'string' ? parseTimestampNs(v) : undefined;
}

export async function treeView(ctx: ViewContext): Promise<void> {
  const lines = buildTree(await collectRows(ctx.records(true)), ctx.matches, ctx.limit);
  await emit(ctx.out, ctx.formatter.begin());
  for (const l of lines) {
    await emit(ctx.out, ctx.formatter.row(l.row, { prefix: l.prefix, depth: l.depth, ancestor: l.ancestor, exec: l.exec }));
    if (ctx.out.closed) return;
  }
  await emitEnd(ctx.out, ctx.formatter);
}
