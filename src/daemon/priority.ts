// priority_boost (SPEC 6): precd lowers its nice value at start, as auditd does, so that it keeps
// reading the ring buffer on a host whose cores are all busy.
//
// On Linux the nice value belongs to a thread, not to the process: setpriority(PRIO_PROCESS, pid)
// changes only the thread whose id is pid. Node has already started its V8 platform threads when
// precd's code runs, so every task in /proc/self/task is set; threads started later (the addon's
// ring-buffer reader, libuv's pool) are created by the main thread and inherit its value.
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { systemErrorText } from './errors.js';

/** Nice values run from -20 (most favoured) to 19. */
const NICE_MIN = -20;

/**
 * Lowers the nice value of every thread of this process by `boost` (not below -20). Returns
 * undefined when done (or boost is 0), else one line saying what failed: precd carries on at its
 * old priority (a container without CAP_SYS_NICE), it does not stop for it.
 */
export function boostPriority(boost: number): string | undefined {
  if (boost === 0) return undefined;
  const from = getPriority(0);
  const target = Math.max(NICE_MIN, from - boost);
  const done = new Set<number>();
  try {
    // A second pass catches a thread started meanwhile; a pass that finds none new ends it.
    for (let fresh = true; fresh; ) {
      fresh = false;
      for (const tid of taskIds()) {
        if (done.has(tid)) continue;
        fresh = true;
        done.add(tid);
        setThreadPriority(tid, target);
      }
    }
  } catch (e) {
    return `cannot raise its priority (priority_boost = ${boost}, nice ${from} -> ${target}): ${uvErrorText(e)}; running at nice ${from}`;
  }
  return undefined;
}

function taskIds(): number[] {
  return readdirSync('/proc/self/task').map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

function setThreadPriority(tid: number, nice: number): void {
  try {
    setPriority(tid, nice);
  } catch (e) {
    // A thread that ended between the listing and here (ESRCH) is no failure.
    if (uvCode(e) === 'ESRCH') return;
    throw e;
  }
}

/** os.setPriority throws ERR_SYSTEM_ERROR with the libuv code in `info`. */
interface UvError {
  info?: { code?: string; message?: string };
}

function uvCode(e: unknown): string | undefined {
  return (e as UvError).info?.code;
}

function uvErrorText(e: unknown): string {
  const info = (e as UvError).info;
  return info?.code ? `${info.message ?? 'failed'} (${info.code})` : systemErrorText(e);
}
