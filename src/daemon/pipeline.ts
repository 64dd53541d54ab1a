// decode -> enrich -> filter -> serialize -> (the sink: seal slot -> writer, writer.ts). Filters see
// start and fail records; an end is written exactly when its start was (the open-start map holds
// only written starts); loss records bypass the filter (loss.ts) and enter the same sink.
import type { ExecEvent, ExecFailEvent, ExitEvent, KernelEvent } from './kernel/events.js';
import type { ArgvLimits } from './enrich/argv.js';
import { ParentCmdlines } from './enrich/parents.js';
import { UserNames } from './enrich/users.js';
import { MonoClock } from './clock.js';
import { EventIds } from './ids.js';
import { RunningPids } from './pids.js';
import { endBag, failBag, serialize, startBag, type Bag, type Enrichment } from './records.js';
import { PathFold, type FoldTiming } from './fold.js';

export interface RecordSink {
  /** One serialized record, without newline. */
  write(line: string): void;
}

export interface PipelineOptions {
  limits: ArgvLimits;
  /** true keeps the record (compileFilter: rules, filter_default, user_only). */
  filter: (record: Bag) => boolean;
  sink: RecordSink;
  clock?: MonoClock;
  ids?: EventIds;
  users?: UserNames;
  parents?: ParentCmdlines;
  running?: RunningPids;
  fold?: FoldTiming;
}

export interface PipelineStats {
  events: number;
  starts: number;
  ends: number;
  fails: number;
  filtered: number;
}

export class Pipeline {
  readonly clock: MonoClock;
  readonly ids: EventIds;
  readonly running: RunningPids;
  readonly parents: ParentCmdlines;
  /** Held PATH-search failures (fold.ts); main flushes it at shutdown. */
  readonly fold: PathFold;
  readonly stats: PipelineStats = { events: 0, starts: 0, ends: 0, fails: 0, filtered: 0 };
  private readonly x: Enrichment;
  private readonly sink: RecordSink;
  private readonly keep: (record: Bag) => boolean;

  constructor(o: PipelineOptions) {
    this.clock = o.clock ?? new MonoClock();
    this.ids = o.ids ?? new EventIds();
    this.running = o.running ?? new RunningPids();
    this.parents = o.parents ?? new ParentCmdlines();
    const clock = this.clock;
    this.x = { users: o.users ?? new UserNames(), parents: this.parents, limits: o.limits, timestamp: (ns) => clock.format(ns) };
    this.sink = o.sink;
    this.keep = o.filter;
    this.fold = new PathFold((bag) => this.writeFail(bag), o.fold);
  }

  handleBatch(events: readonly KernelEvent[]): void {
    for (const e of events) this.handle(e);
  }

  handle(e: KernelEvent): void {
    this.stats.events++;
    switch (e.kind) {
      case 'exec':
        return this.exec(e);
      case 'fail':
        return this.fail(e);
      case 'exit':
        return this.exit(e);
    }
  }

  private exec(e: ExecEvent): void {
    const tried = this.fold.exec(e);
    // A second exec of a running program ends its previous start (sh -c 'exec x').
    const prev = this.running.take(e.pid);
    if (prev) {
      const end = endBag(this.clock.format(e.monoNs), prev.eventId, e.pid, prev.source, e.monoNs - prev.monoNs, {
        execReplaced: true,
      });
      this.sink.write(serialize(end));
      this.stats.ends++;
    }
    const bag = startBag(e, this.x);
    if (tried) bag.exec_tried = tried;
    // Children of this program will name it as their parent, whether or not its start is kept.
    this.parents.remember(e.pid, bag.argv as string[]);
    if (!this.keep(bag)) {
      this.stats.filtered++;
      return;
    }
    const eventId = this.ids.next();
    bag.event_id = eventId;
    this.sink.write(serialize(bag));
    this.stats.starts++;
    this.running.set(e.pid, { eventId, source: bag.source as 'user' | 'system', monoNs: e.monoNs });
  }

  private fail(e: ExecFailEvent): void {
    const bag = failBag(e, this.x);
    if (!this.fold.fail(e, bag)) this.writeFail(bag);
  }

  private writeFail(bag: Bag): void {
    if (!this.keep(bag)) {
      this.stats.filtered++;
      return;
    }
    bag.event_id = this.ids.next();
    this.sink.write(serialize(bag));
    this.stats.fails++;
  }

  private exit(e: ExitEvent): void {
    this.fold.exit(e.pid);
    this.parents.forget(e.pid);
    const open = this.running.take(e.pid);
    if (!open) return;
    const end = endBag(this.clock.format(e.monoNs), open.eventId, e.pid, open.source, e.monoNs - open.monoNs, {
      waitStatus: e.exitCode,
    });
    this.sink.write(serialize(end));
    this.stats.ends++;
  }
}
