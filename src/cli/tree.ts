// Tree view (--tree). Each row is linked to its parent: the latest command whose pid is the row's
// ppid, that started before the row and had not ended before it (pids are reused, so an older command
// with the same pid, long gone, is never taken). Rows without a parent in the log are roots, printed
// in time (log) order, children below their parent in time order.
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
  parent: number;
  readonly children: number[];
  shown: boolean;
  hit: boolean;
}

export interface TreeLine {
  readonly row: RowBag;
  readonly prefix: string;
  readonly depth: number;
  readonly ancestor: boolean;
}

/** Links rows (in log order) into a forest and returns the lines to print, in order. */
export function buildTree(rows: readonly RowBag[], matches: (row: RowBag) => boolean, limit = 0): TreeLine[] {
  const nodes: Node[] = rows.map((row) => ({
    row,
    start: ts(row.timestamp),
    end: ts(row.end_timestamp),
    parent: -1,
    children: [],
    shown: false,
    hit: false,
  }));
  // pid -> index of the latest command with that pid seen so far.
  const latestByPid = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const ppid = n.row.ppid;
    if (typeof ppid === 'number') {
      const p = latestByPid.get(ppid);
      if (p !== undefined && p !== i) {
        const parent = nodes[p]!;
        const startedBefore = parent.start === undefined || n.start === undefined || parent.start <= n.start;
        const notEnded = parent.end === undefined || n.start === undefined || parent.end >= n.start;
        if (startedBefore && notEnded) {
          n.parent = p;
          parent.children.push(i);
        }
      }
    }
    // Only commands are processes that can have children; a failed exec left its caller unchanged.
    if (n.row.record_type === 'command' && typeof n.row.pid === 'number') latestByPid.set(n.row.pid, i);
  }

  let hits: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (matches(nodes[i]!.row)) hits.push(i);
  if (limit > 0 && hits.length > limit) hits = hits.slice(hits.length - limit);
  for (const i of hits) {
    nodes[i]!.hit = true;
    // Mark the chain up to the first node already shown (whose own chain is then shown too).
    for (let j = i; j !== -1 && !nodes[j]!.shown; j = nodes[j]!.parent) nodes[j]!.shown = true;
  }

  const lines: TreeLine[] = [];
  const stack: Array<{ i: number; prefix: string; cont: string; depth: number }> = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.shown && n.parent === -1) stack.push({ i, prefix: '', cont: '', depth: 0 });
  }
  while (stack.length > 0) {
    const { i, prefix, cont, depth } = stack.pop()!;
    const n = nodes[i]!;
    lines.push({ row: n.row, prefix, depth, ancestor: !n.hit });
    const kids = n.children.filter((c) => nodes[c]!.shown);
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
    await emit(ctx.out, ctx.formatter.row(l.row, { prefix: l.prefix, depth: l.depth, ancestor: l.ancestor }));
    if (ctx.out.closed) return;
  }
  await emitEnd(ctx.out, ctx.formatter);
}
