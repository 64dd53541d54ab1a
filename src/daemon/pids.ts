// pid -> the start record still open for it, needed to write its end. Bounded; swept of pids that no
// longer exist (their exit was lost, e.g. to a ring-buffer overflow) so it cannot grow without end.
import { existsSync } from 'node:fs';
import type { Source } from '../schema/index.js';

export interface OpenStart {
  eventId: string;
  source: Source;
  monoNs: bigint;
}

// Far above the processes a host runs at once; about 40 MB if ever full.
const DEFAULT_CAPACITY = 262_144;

export class RunningPids {
  private readonly open = new Map<number, OpenStart>();
  /** Open starts whose pid was gone at the last sweep. */
  private deadAtLastSweep = new Map<number, OpenStart>();

  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly alive: (pid: number) => boolean = (pid) => existsSync(`/proc/${pid}`),
  ) {}

  get(pid: number): OpenStart | undefined {
    return this.open.get(pid);
  }

  set(pid: number, start: OpenStart): void {
    this.open.delete(pid);
    // Full: drop the oldest entry; its end will not be written (prec shows it as still running).
    if (this.open.size >= this.capacity) this.open.delete(this.open.keys().next().value!);
    this.open.set(pid, start);
  }

  take(pid: number): OpenStart | undefined {
    const s = this.open.get(pid);
    if (s) this.open.delete(pid);
    return s;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Forgets pids that no longer existed at the previous sweep either; returns how many. A pid that
   * just exited may still have its exit event queued (ring buffer, batch, a loaded host): it gets one
   * more sweep interval to be ended properly, so a sweep never costs a command its end record.
   */
  sweep(): number {
    let removed = 0;
    const dead = new Map<number, OpenStart>();
    for (const [pid, start] of this.open) {
      if (this.alive(pid)) continue;
      if (this.deadAtLastSweep.get(pid) === start) {
        this.open.delete(pid);
        removed++;
      } else {
        dead.set(pid, start);
      }
    }
    this.deadAtLastSweep = dead;
    return removed;
  }
}
