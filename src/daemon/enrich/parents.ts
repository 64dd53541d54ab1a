// parent_cmdline: the parent's argv joined by spaces, at most 512 chars. Most parents exec'd while
// precd was running, so their argv is remembered from their own start (bounded pid -> cmdline
// cache, forgotten when the pid exits); older parents are read once from /proc/PID/cmdline.
import { readFileSync } from 'node:fs';

export const MAX_PARENT_CMDLINE = 512;
// Live programs that may still get children; when full the oldest is dropped and read from /proc.
const DEFAULT_CAPACITY = 16_384;

export class ParentCmdlines {
  // argv is joined only when a child asks: most programs never become a parent.
  private readonly cache = new Map<number, string | readonly string[]>();

  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly procRoot = '/proc',
  ) {}

  /** A program exec'd: its argv is what its future children will show as parent_cmdline. */
  remember(pid: number, argv: readonly string[]): void {
    this.put(pid, argv);
  }

  forget(pid: number): void {
    this.cache.delete(pid);
  }

  get(ppid: number): string {
    const hit = this.cache.get(ppid);
    if (typeof hit === 'string') return hit;
    if (hit !== undefined) {
      const line = cmdlineOf(hit);
      this.cache.set(ppid, line);
      return line;
    }
    // Unreadable means the parent is gone already (its exit is queued behind this event, and will
    // forget the entry): remember '' so a burst of its children does not re-read /proc each time.
    const read = this.readProc(ppid) ?? '';
    this.put(ppid, read);
    return read;
  }

  get size(): number {
    return this.cache.size;
  }

  private put(pid: number, cmdline: string | readonly string[]): void {
    this.cache.delete(pid); // re-insert: Map order is then age order for eviction
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(pid, cmdline);
  }

  private readProc(pid: number): string | undefined {
    if (pid <= 0) return undefined;
    try {
      const raw = readFileSync(`${this.procRoot}/${pid}/cmdline`);
      const args = raw.toString('utf8').split('\0');
      if (args[args.length - 1] === '') args.pop();
      return cmdlineOf(args);
    } catch {
      return undefined;
    }
  }
}

export function cmdlineOf(argv: readonly string[]): string {
  const s = argv.join(' ');
  if (s.length <= MAX_PARENT_CMDLINE) return s;
  let cut = s.slice(0, MAX_PARENT_CMDLINE);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1); // no lone high surrogate
  return cut;
}
