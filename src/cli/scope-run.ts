// `prec run [--] CMD ARGS...` (SPEC 14): runs CMD in a cgroup v2 scope of its own, passes its exit
// status through, then shows every command precd recorded in that scope (`cgroup` field), as a
// tree unless told otherwise. For "what did this install script actually run?".
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { followRecords } from '../log/index.js';
import { createScope, removeScope, type Scope } from './cgroup.js';
import { UsageError } from './errors.js';
import { precdSettings, runningPrecd } from './precd-state.js';
import { runPrec, type RawOptions } from './run.js';

export interface RunOptions extends Omit<RawOptions, 'input' | 'follow' | 'since' | 'until' | 'allLogs'> {
  readonly input: string | undefined;
  /** precd's config (log_path, lock_path, flush_interval_ms); default /etc/prec/precd.conf. */
  readonly config: string | undefined;
  readonly command: readonly string[];
}

// The child moves itself into the scope, then execs CMD: no instant of CMD runs outside it.
const ENTER_AND_EXEC = 'echo $$ > "$0/cgroup.procs" || exit 125; exec "$@"';

export async function runInScope(o: RunOptions): Promise<void> {
  if (o.command.length === 0) throw new UsageError('prec run needs a command: prec run [--] CMD [ARGS...]');
  const settings = precdSettings(o.config);
  if (runningPrecd(settings.lockPath) === undefined) {
    throw new UsageError(`precd is not running (no live precd holds ${settings.lockPath}): nothing would record what the command runs; start it (systemctl start precd)`);
  }
  const input = o.input ?? settings.logPath;
  const scope = createScope();
  const started = Date.now();
  const abort = new AbortController();
  let status: number;
  let childPid: number;
  let flushed: Promise<boolean>;
  try {
    // Following starts before the child: its end record cannot be missed.
    const ends = watchEnds(input, abort.signal);
    ({ status, pid: childPid } = await runChild(scope, o.command));
    flushed = ends.waitFor(childPid, Math.max(5000, 20 * settings.flushIntervalMs));
    if (!(await flushed)) process.stderr.write(`prec: precd has not written the end of ${o.command[0]} yet; showing what it wrote so far\n`);
  } finally {
    abort.abort();
    if (!removeScope(scope)) process.stderr.write(`prec: processes started by the command are still running in ${scope.dir}; left in place\n`);
  }
  if (status === 125) process.stderr.write(`prec: note: exit status 125 may mean the command could not be moved into ${scope.dir}\n`);
  const { config: _c, command: _cmd, ...view } = o;
  await runPrec({
    ...view,
    input,
    allLogs: false,
    follow: false,
    queries: [`cgroup=${JSON.stringify(scope.path)} || cgroup^=${JSON.stringify(scope.path + '/')}`, ...o.queries],
    since: new Date(started - 1000).toISOString(),
    until: undefined,
  });
  process.exitCode = status;
}

/** Runs CMD inside the scope, forwarding SIGINT/SIGTERM; its status, 128+N when killed by signal N. */
function runChild(scope: Scope, command: readonly string[]): Promise<{ status: number; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', ENTER_AND_EXEC, scope.dir, ...command], { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => (): void => void child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, signal) => {
      done();
      const status = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      resolve({ status, pid: child.pid! });
    });
  });
}

/** The pids whose final end record (not an exec's) precd has written since following began. */
function watchEnds(path: string, signal: AbortSignal): { waitFor: (pid: number, timeoutMs: number) => Promise<boolean> } {
  const ended = new Set<number>();
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const rec of followRecords(path, { signal, pollIntervalMs: 50 })) {
        if (rec.record_type === 'end' && rec.exec_replaced !== true) {
          ended.add(rec.pid);
          wake?.();
        }
      }
    } catch {
      // the log unreadable: waitFor times out and says so
    }
  })();
  return {
    waitFor: async (pid, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!ended.has(pid) && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      return ended.has(pid);
    },
  };
}
