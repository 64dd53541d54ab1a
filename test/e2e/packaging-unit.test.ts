// systemd/precd.service: systemd accepts it, rates it hardened, and precd really starts, records,
// reloads and stops under the restrictions it declares.
//
// systemd is not PID 1 on the test machines, so the unit cannot be started with systemctl or
// systemd-run. Instead this test reads the unit and applies each of its directives itself:
// namespaces, mounts and capabilities with unshare/mount/setpriv, exactly as systemd would set them
// up; and for the seccomp-based directives (SystemCallFilter, RestrictAddressFamilies, ...), which
// cannot be applied without systemd, it records every system call precd and its children make
// (strace) and checks each against what the directive allows, as expanded by systemd itself
// (`systemd-analyze syscall-filter`). A directive this test does not know fails the test, so the
// unit cannot gain a restriction that was never tried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'smol-toml';
import { DEFAULT_CONFIG } from '../../src/daemon/defaults.js';
import { loadState } from '../../src/seal/state.js';
import { PRECD_BIN, PRECD_NODE_FLAGS, READY_RE, REPO_ROOT, marker, readLogRecords, recordsFor, sleep, type Rec } from '../helpers/precd.js';

const UNIT_PATH = join(REPO_ROOT, 'systemd', 'precd.service');

// Debian packages: systemd (systemd-analyze), util-linux (unshare, setpriv, mount), strace.
const tools = ['systemd-analyze', 'unshare', 'setpriv', 'mount', 'strace'];
const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const needs = (which: string[]) => {
  const m = which.filter((t) => missing.includes(t));
  return m.length > 0 ? `needs ${m.join(', ')} (Debian packages systemd, util-linux, strace)` : undefined;
};

type Unit = Map<string, Map<string, string[]>>;

/** systemd unit syntax: [Section], Key=Value (repeatable), # and ; comments, \ continuations. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = new Map();
      unit.set(sec[1]!, section);
      continue;
    }
    const kv = /^([A-Za-z0-9]+)\s*=\s*(.*)$/.exec(line);
    assert.ok(kv && section, `unparseable unit line: ${raw}`);
    const list = section.get(kv[1]!) ?? [];
    list.push(kv[2]!);
    section.set(kv[1]!, list);
  }
  return unit;
}

const unit = parseUnit(readFileSync(UNIT_PATH, 'utf8'));
const service = unit.get('Service') ?? new Map<string, string[]>();

/** The last value of a single-valued key (systemd: the last assignment wins). */
function one(key: string): string | undefined {
  const v = service.get(key);
  return v === undefined ? undefined : v[v.length - 1];
}

/** A list-valued key: every assignment's words; an empty assignment resets the list. */
function list(key: string): string[] {
  let out: string[] = [];
  for (const v of service.get(key) ?? []) {
    if (v.trim() === '') out = [];
    else out.push(...v.trim().split(/\s+/));
  }
  return out;
}

function yes(key: string): boolean {
  const v = one(key);
  return v !== undefined && /^(yes|true|on|1)$/i.test(v);
}

// How each [Service] directive is honoured by the emulation below. Manager-only directives describe
// what systemd does around the process (restart policy, dependencies), not the process's sandbox.
const HANDLED: Record<string, 'emulated' | 'traced' | 'manager'> = {
  Type: 'manager',
  ExecStartPre: 'emulated',
  ExecStart: 'emulated',
  ExecReload: 'emulated',
  KillMode: 'manager',
  KillSignal: 'emulated',
  TimeoutStopSec: 'manager',
  Restart: 'manager',
  RestartSec: 'manager',
  LogsDirectory: 'emulated',
  LogsDirectoryMode: 'emulated',
  StateDirectory: 'emulated',
  StateDirectoryMode: 'emulated',
  LimitMEMLOCK: 'emulated',
  CapabilityBoundingSet: 'emulated',
  AmbientCapabilities: 'emulated',
  NoNewPrivileges: 'emulated',
  ProtectSystem: 'emulated',
  ReadWritePaths: 'emulated',
  ProtectHome: 'emulated',
  PrivateTmp: 'emulated',
  PrivateDevices: 'emulated',
  PrivateNetwork: 'emulated',
  PrivateMounts: 'emulated',
  ProtectKernelTunables: 'emulated',
  ProtectKernelModules: 'emulated',
  ProtectKernelLogs: 'emulated',
  ProtectControlGroups: 'emulated',
  ProtectHostname: 'emulated',
  UMask: 'emulated',
  ProtectClock: 'traced',
  RestrictNamespaces: 'traced',
  RestrictRealtime: 'traced',
  RestrictSUIDSGID: 'traced',
  LockPersonality: 'traced',
  RestrictAddressFamilies: 'traced',
  SystemCallArchitectures: 'traced',
  SystemCallFilter: 'traced',
  SystemCallErrorNumber: 'traced',
};

test('the unit runs /usr/sbin/precd on /etc/prec/precd.conf, restarts on failure, reloads with SIGHUP', () => {
  assert.equal(one('ExecStart'), '/usr/sbin/precd --config /etc/prec/precd.conf');
  assert.equal(one('Restart'), 'on-failure');
  assert.match(one('ExecReload') ?? '', /^\/bin\/kill -HUP \$MAINPID$/);
  assert.deepEqual(unit.get('Install')?.get('WantedBy'), ['multi-user.target']);
});

test('the unit declares the hardening of the packaging contract and keeps precd default paths writable', () => {
  assert.equal(one('ProtectSystem'), 'strict');
  for (const k of ['ProtectHome', 'PrivateTmp', 'NoNewPrivileges']) assert.ok(yes(k), `${k}=yes`);
  const caps = list('CapabilityBoundingSet');
  assert.ok(caps.length > 0 && !caps.some((c) => c.startsWith('~')), 'CapabilityBoundingSet is an allow-list');
  assert.ok(!caps.includes('CAP_SYS_ADMIN'), 'CAP_SYS_ADMIN is not needed on kernels with CAP_BPF/CAP_PERFMON');
  const rw = list('ReadWritePaths').map((p) => p.replace(/^[-+]+/, ''));
  const covered = (path: string) => rw.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
  // precd's embedded defaults must be writable under ProtectSystem=strict.
  assert.ok(covered(dirname(DEFAULT_CONFIG.log_path)), `ReadWritePaths covers ${dirname(DEFAULT_CONFIG.log_path)}`);
  assert.ok(covered(dirname(DEFAULT_CONFIG.lock_path)), `ReadWritePaths covers ${dirname(DEFAULT_CONFIG.lock_path)}`);
  assert.ok(covered(dirname(DEFAULT_CONFIG.metrics_path)), `ReadWritePaths covers ${dirname(DEFAULT_CONFIG.metrics_path)}`);
  assert.equal(`/var/log/${one('LogsDirectory')}`, dirname(DEFAULT_CONFIG.log_path), 'LogsDirectory is the log directory');
  assert.equal(one('LogsDirectoryMode'), '0750');
  // The sealing state (key file, or seal.chain beside it) is rewritten after every seal: systemd
  // makes the StateDirectory writable and creates it root-only.
  assert.equal(`/var/lib/${one('StateDirectory')}`, dirname(DEFAULT_CONFIG.seal_key_path), 'StateDirectory holds the seal key file');
  assert.equal(one('StateDirectoryMode'), '0700');
});

test('systemd-analyze verify accepts the unit', { skip: needs(['systemd-analyze']) }, () => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT_PATH], { encoding: 'utf8' });
  const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  // Without the package installed the binary is absent: that is the one complaint allowed here
  // (packaging-deb.test.ts verifies the installed unit with the binary present).
  const allowed = existsSync('/usr/sbin/precd') ? [] : [/Command \/usr\/sbin\/precd is not executable/];
  const other = complaints.filter((l) => !allowed.some((re) => re.test(l)));
  assert.deepEqual(other, [], `systemd-analyze verify: ${complaints.join('\n')}`);
  if (allowed.length === 0) assert.equal(r.status, 0);
});

test('systemd-analyze security rates the unit OK or better', { skip: needs(['systemd-analyze']) }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT_PATH], { encoding: 'utf8' });
  const m = /Overall exposure level for precd\.service: ([\d.]+) (\w+)/.exec(r.stdout);
  assert.ok(m, `no rating in: ${r.stdout}${r.stderr}`);
  assert.ok(['SAFE', 'OK'].includes(m[2]!), `exposure ${m[1]} ${m[2]}:\n${r.stdout}`);
});

test('every [Service] directive of the unit is applied or checked by the sandbox test below', () => {
  const unknown = [...service.keys()].filter((k) => !(k in HANDLED));
  assert.deepEqual(unknown, [], 'teach packaging-unit.test.ts how to apply these directives');
});

// --- the sandbox -----------------------------------------------------------------------------------

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Expands systemd's syscall groups (as this systemd defines them) into syscall names. */
function syscallGroups(): Map<string, string[]> {
  const r = spawnSync('systemd-analyze', ['syscall-filter', '--no-pager'], { encoding: 'utf8' });
  const groups = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of r.stdout.split('\n')) {
    const g = /^(@[\w-]+)$/.exec(line);
    if (g) {
      cur = [];
      groups.set(g[1]!, cur);
      continue;
    }
    const item = /^\s+([@\w-]+)$/.exec(line);
    if (item && cur) cur.push(item[1]!);
  }
  return groups;
}

function expandFilter(words: string[], groups: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  const add = (w: string, seen: Set<string>) => {
    if (!w.startsWith('@')) return void out.add(w.replace(/:.*$/, ''));
    if (seen.has(w)) return;
    seen.add(w);
    const members = groups.get(w);
    assert.ok(members, `systemd does not know the syscall group ${w}`);
    for (const m of members) add(m, seen);
  };
  for (const w of words) add(w, new Set());
  return out;
}

/** The capability list of the unit as setpriv wants it: `-all,+bpf,+perfmon`. */
function setprivCaps(caps: string[]): string {
  return ['-all', ...caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
}

/** The capability mask a bounding set of these capabilities shows in /proc/PID/status. */
function capMask(caps: string[]): bigint {
  const numbers: Record<string, number> = {
    CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5,
    CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13,
    CAP_IPC_LOCK: 14, CAP_SYS_MODULE: 16, CAP_SYS_RAWIO: 17, CAP_SYS_CHROOT: 18, CAP_SYS_PTRACE: 19,
    CAP_SYS_ADMIN: 21, CAP_SYS_NICE: 23, CAP_SYS_RESOURCE: 24, CAP_SYSLOG: 34, CAP_PERFMON: 38, CAP_BPF: 39,
    CAP_CHECKPOINT_RESTORE: 40,
  };
  let mask = 0n;
  for (const c of caps) {
    assert.ok(c in numbers, `unknown capability ${c}`);
    mask |= 1n << BigInt(numbers[c]!);
  }
  return mask;
}

function hasCapability(cap: string): boolean {
  const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return (BigInt(`0x${eff}`) & capMask([cap])) !== 0n;
}

/** Mount points of this process, decoded (mountinfo escapes spaces as \040). */
function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/**
 * The shell script that builds the unit's sandbox inside `unshare --mount` and runs ExecStartPre and
 * ExecStart in it. Host paths the unit makes writable are replaced by directories of the test (the
 * real /var/log/prec and /run are never touched); the config file is the test's, placed in the
 * sandbox's /run.
 */
const APP_IN_SANDBOX = '/run/prec-app';

function sandboxScript(dir: string, configInSandbox: string, traceInSandbox: string): string {
  const s: string[] = ['set -eu'];
  // A "-" path that does not exist is skipped, as systemd does.
  const rwPaths = list('ReadWritePaths')
    .filter((p) => !p.startsWith('-') || existsSync(p.replace(/^[-+]+/, '')))
    .map((p) => p.replace(/^[-+]+/, ''));
  const logsDir = one('LogsDirectory') ? `/var/log/${one('LogsDirectory')}` : undefined;
  if (logsDir && !rwPaths.includes(logsDir)) rwPaths.push(logsDir); // systemd makes it writable too
  const stateDir = one('StateDirectory') ? `/var/lib/${one('StateDirectory')}` : undefined;
  if (stateDir && !rwPaths.includes(stateDir)) rwPaths.push(stateDir); // likewise
  const inaccessibleFile = join(dir, 'inaccessible-file');
  const inaccessibleDir = join(dir, 'inaccessible-dir');

  // ReadWritePaths (and LogsDirectory, StateDirectory): a directory of the test, bound over the
  // unit's path. A missing mount point (no /var/log/prec or /var/lib/prec on this host: systemd
  // would create it, the test must not) is made on a tmpfs over its parent, mounted first so that
  // the bindings below it (/var/lib/prometheus/node-exporter under a tmpfs /var/lib) land on it.
  const tmpfsParents = [...new Set(rwPaths.filter((p) => !existsSync(p)).map((p) => dirname(p)))];
  for (const parent of tmpfsParents) {
    assert.ok(existsSync(parent), `${parent} exists`);
    s.push(`mount -t tmpfs -o mode=0755 tmpfs ${sh(parent)}`);
  }
  for (const p of rwPaths) {
    const src = join(dir, 'rw', p);
    mkdirSync(src, { recursive: true, mode: 0o755 });
    if (p === logsDir) chmodSync(src, parseInt(one('LogsDirectoryMode') ?? '0755', 8));
    if (p === stateDir) chmodSync(src, parseInt(one('StateDirectoryMode') ?? '0755', 8));
    s.push(`[ -d ${sh(p)} ] || mkdir -p ${sh(p)}`, `mount --bind ${sh(src)} ${sh(p)}`);
  }
  // The app (the package installs it in /usr/lib/prec): this tree, bound inside the writable /run
  // binding, because PrivateTmp and ProtectHome would hide a checkout in /tmp or /root.
  assert.ok(rwPaths.includes('/run'), 'the unit makes /run writable');
  mkdirSync(join(dir, 'rw', APP_IN_SANDBOX), { recursive: true });
  s.push(`mount --bind ${sh(REPO_ROOT)} ${APP_IN_SANDBOX}`);

  // PrivateDevices: a fresh /dev with only the pseudo devices, the terminal and pts, built aside.
  const newDev = join(dir, 'dev');
  if (yes('PrivateDevices')) {
    mkdirSync(newDev);
    s.push(
      `mount -t tmpfs -o mode=0755,nosuid tmpfs ${sh(newDev)}`,
      ...[['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]].map(
        ([n, a, b]) => `mknod -m 0666 ${sh(join(newDev, String(n)))} c ${a} ${b}`,
      ),
      `mkdir ${sh(join(newDev, 'pts'))} ${sh(join(newDev, 'shm'))}`,
      `mount --bind /dev/pts ${sh(join(newDev, 'pts'))}`,
      `ln -s pts/ptmx ${sh(join(newDev, 'ptmx'))}`,
      `mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs ${sh(join(newDev, 'shm'))}`,
      `ln -s /proc/self/fd ${sh(join(newDev, 'fd'))}`,
      ...['stdin', 'stdout', 'stderr'].map((n, i) => `ln -s /proc/self/fd/${i} ${sh(join(newDev, n))}`),
    );
  }
  writeFileSync(inaccessibleFile, '', { mode: 0 });
  chmodSync(inaccessibleFile, 0);
  mkdirSync(inaccessibleDir, { mode: 0 });
  chmodSync(inaccessibleDir, 0);

  // ProtectSystem=strict: every mount read-only except the API file systems and ReadWritePaths.
  const protect = one('ProtectSystem');
  assert.equal(protect, 'strict', 'this emulation implements ProtectSystem=strict only');
  const api = ['/dev', '/proc', '/sys'];
  for (const mp of mountPoints()) {
    if (api.some((a) => under(mp, a)) || rwPaths.some((p) => under(mp, p))) continue;
    if (under(mp, dir)) continue; // our own scratch mounts
    s.push(`mount -o remount,bind,ro ${sh(mp)}`);
  }
  // The tmpfs made for a missing ReadWritePaths mount point is part of the read-only OS too.
  for (const parent of tmpfsParents) s.push(`mount -o remount,bind,ro ${sh(parent)}`);

  if (yes('PrivateDevices')) s.push(`mount --move ${sh(newDev)} /dev`);
  if (yes('ProtectHome')) {
    for (const p of ['/home', '/root', '/run/user']) {
      if (existsSync(p)) s.push(`if [ -d ${sh(p)} ]; then mount --bind ${sh(inaccessibleDir)} ${sh(p)}; fi`);
    }
  }
  if (yes('ProtectKernelTunables')) {
    // Like systemd, skip what this kernel does not have.
    for (const p of ['/proc/sys', '/proc/sysrq-trigger']) {
      if (existsSync(p)) s.push(`mount --bind ${p} ${p}`, `mount -o remount,bind,ro ${p}`);
    }
    for (const p of ['/proc/kallsyms', '/proc/kcore']) if (existsSync(p)) s.push(`mount --bind ${sh(inaccessibleFile)} ${p}`);
    for (const mp of mountPoints()) if (under(mp, '/sys')) s.push(`mount -o remount,bind,ro ${sh(mp)}`);
  }
  if (yes('ProtectControlGroups')) {
    for (const mp of mountPoints()) if (under(mp, '/sys/fs/cgroup')) s.push(`mount -o remount,bind,ro ${sh(mp)}`);
  }
  if (yes('ProtectKernelModules')) {
    s.push(`if [ -d /usr/lib/modules ]; then mount --bind ${sh(inaccessibleDir)} /usr/lib/modules; fi`);
  }
  if (yes('ProtectKernelLogs') && existsSync('/proc/kmsg')) s.push(`mount --bind ${sh(inaccessibleFile)} /proc/kmsg`);

  // The test's config, readable in the sandbox: it lives in the writable /run binding.
  // (PrivateTmp comes last among the mounts: it hides the test's scratch dir, which is in /tmp.)
  if (yes('PrivateTmp')) {
    s.push('mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp');
    s.push('if [ -d /var/tmp ]; then mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp; fi');
  }

  // Self-check: the restrictions hold before precd starts (else this test would prove nothing).
  s.push(
    `if touch /usr/.prec-sandbox-probe 2>/dev/null; then echo 'sandbox: /usr is writable' >&2; exit 97; fi`,
    `if touch /etc/.prec-sandbox-probe 2>/dev/null; then echo 'sandbox: /etc is writable' >&2; exit 97; fi`,
  );
  if (yes('PrivateTmp')) s.push(`if [ -e ${sh(dir)} ]; then echo 'sandbox: host /tmp visible' >&2; exit 97; fi`);

  if (one('UMask')) s.push(`umask ${one('UMask')}`);
  // Raising a hard limit needs CAP_SYS_RESOURCE, which some test machines withhold even from root;
  // there precd runs with the lower limit it would have without this directive (kernels >= 5.11
  // charge BPF memory to the cgroup instead, so it must start either way).
  const memlock = one('LimitMEMLOCK');
  if (memlock && hasCapability('CAP_SYS_RESOURCE')) s.push(`ulimit -l ${memlock === 'infinity' ? 'unlimited' : memlock}`);

  const caps = list('CapabilityBoundingSet');
  const ambient = list('AmbientCapabilities');
  const setpriv = [
    'setpriv',
    ...(yes('NoNewPrivileges') ? ['--no-new-privs'] : []),
    `--bounding-set=${setprivCaps(caps)}`,
    '--inh-caps=-all',
    ambient.length === 0 ? '--ambient-caps=-all' : `--ambient-caps=${setprivCaps(ambient)}`,
    '--',
  ].join(' ');

  // ExecStart/ExecStartPre with the installed paths swapped for this tree's and the test config.
  const command = (line: string) =>
    line
      .replace(/^[-@:+!]+/, '')
      .replace(/^\/usr\/sbin\/precd(?=\s)/, [process.execPath, ...PRECD_NODE_FLAGS, join(APP_IN_SANDBOX, relative(REPO_ROOT, PRECD_BIN))].map(sh).join(' '))
      .replace(/\/etc\/prec\/precd\.conf/g, sh(configInSandbox));
  for (const pre of service.get('ExecStartPre') ?? []) s.push(`${setpriv} ${command(pre)}`);
  const start = one('ExecStart');
  assert.ok(start, 'ExecStart');
  s.push(`exec ${setpriv} strace -f -qq -o ${sh(traceInSandbox)} ${command(start)}`);
  return s.join('\n');
}

test('precd starts, records, reloads and stops cleanly inside the sandbox the unit declares', { skip: process.getuid?.() !== 0 ? 'needs root' : needs(tools) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'precd-unit-'));
  t.after(() => {
    // The scratch mounts died with the namespace; only files remain.
    rmSync(dir, { recursive: true, force: true });
  });
  const runDir = join(dir, 'rw', 'run');
  mkdirSync(runDir, { recursive: true });
  // precd on its shipped defaults except what a test must change: a short flush for a quick read.
  writeFileSync(join(runDir, 'precd-test.conf'), stringify({ flush_interval_ms: 50 }));
  const script = sandboxScript(dir, '/run/precd-test.conf', '/run/precd.trace');
  // A sealing key made by `precd --setup-keys` (by the admin, outside the unit) where the sandbox's
  // /var/lib/prec is: precd must be able to rewrite it there after every seal.
  const hostKey = join(dir, 'rw', DEFAULT_CONFIG.seal_key_path);
  writeFileSync(join(dir, 'setup.conf'), stringify({ seal_key_path: hostKey }));
  const setup = spawnSync(process.execPath, [...PRECD_NODE_FLAGS, PRECD_BIN, '--setup-keys', '-c', join(dir, 'setup.conf')], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  const verificationKey = setup.stdout.trim().split('\n').at(-1)!;

  const unshareFlags = ['--mount', '--propagation', 'private'];
  if (yes('PrivateNetwork')) unshareFlags.push('--net');
  if (yes('ProtectHostname')) unshareFlags.push('--uts');
  const child = spawn('unshare', [...unshareFlags, 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  t.after(() => {
    if (exitCode === undefined) child.kill('SIGKILL');
  });

  const waitFor = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!ok()) {
      if (exitCode !== undefined) assert.fail(`sandboxed precd exited (${exitCode}) before ${what}: ${stderr}`);
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${stderr}`);
      await sleep(50);
    }
  };
  await waitFor('its ready line', () => READY_RE.test(stderr));
  const [, pidText, logPath] = READY_RE.exec(stderr)!;
  const pid = Number(pidText);
  assert.equal(logPath, DEFAULT_CONFIG.log_path, 'precd logs to its default path, writable in the sandbox');
  const hostLog = join(dir, 'rw', DEFAULT_CONFIG.log_path);

  // The process really carries the unit's restrictions.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  assert.equal(BigInt(`0x${field('CapBnd')}`), capMask(list('CapabilityBoundingSet')), 'bounding set = unit');
  // Root gets every capability of the bounding set, except any this machine withholds from root.
  const ours = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  assert.equal(BigInt(`0x${field('CapEff')}`), capMask(list('CapabilityBoundingSet')) & ours, 'effective = unit');
  if (yes('NoNewPrivileges')) assert.equal(field('NoNewPrivs'), '1');
  // priority_boost works inside the sandbox: every thread of precd runs 4 nice levels below the test.
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]);
    assert.equal(nice, Math.max(-20, getPriority(0) - DEFAULT_CONFIG.priority_boost), `nice of precd thread ${tid}: ${stderr}`);
  }

  const mark1 = marker('unitsandbox');
  spawnSync('/bin/echo', [mark1]);
  const hasMark = (m: string) => () => {
    const r = recordsFor(readLogRecords(hostLog), m);
    return r.starts.length === 1 && r.ends.length === 1;
  };
  await waitFor(`the record of ${mark1}`, hasMark(mark1));

  // ExecReload, run as systemd would, with $MAINPID.
  const reload = one('ExecReload')!.replace(/\$MAINPID/g, String(pid)).split(/\s+/);
  const r = spawnSync(reload[0]!, reload.slice(1), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const mark2 = marker('unitsandbox');
  spawnSync('/bin/echo', [mark2]);
  await waitFor(`the record of ${mark2} after the reload`, hasMark(mark2));

  // KillSignal (default SIGTERM): a clean stop, exit status 0.
  process.kill(pid, (one('KillSignal') ?? 'SIGTERM') as NodeJS.Signals);
  const code = await exited;
  assert.equal(code, 0, `precd exit status under the sandbox: ${stderr}`);
  const recs: Rec[] = readLogRecords(hostLog);
  assert.equal(recordsFor(recs, mark1).starts.length, 1);
  assert.equal(recordsFor(recs, mark2).starts.length, 1);
  assert.equal(statSync(hostLog).mode & 0o777, 0o640, 'log file 0640');
  assert.equal(statSync(dirname(hostLog)).mode & 0o777, 0o750, 'log dir 0750');
  assert.ok(existsSync(join(dir, 'rw', DEFAULT_CONFIG.lock_path)), 'lock file in the writable /run');

  // The sealing state: MACed seals at start, before the reload's reopen, after it and at the stop,
  // and the key file rewritten (evolved) after each one, inside the sandbox.
  const seals = recs.filter((r) => r.record_type === 'seal');
  assert.ok(seals.length >= 3 && seals.every((x) => typeof x.mac === 'string'), `MACed seals: ${JSON.stringify(seals)}`);
  assert.doesNotMatch(stderr, /cannot save the sealing state/);
  const state = loadState(hostKey)!;
  assert.equal(state.sealSeq, seals.at(-1)!.seal_seq, 'the key file holds the state after the last seal');
  assert.equal(state.epoch, state.sealSeq);
  assert.equal(statSync(hostKey).mode & 0o777, 0o600, 'key file 0600');
  assert.equal(statSync(dirname(hostKey)).mode & 0o777, 0o700, 'state dir 0700');
  const v = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'prec.js'), 'verify', '-i', hostLog, '--key', verificationKey], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);

  // The seccomp-based directives, checked against every syscall precd and its children made.
  const trace = readFileSync(join(runDir, 'precd.trace'), 'utf8').split('\n');
  const calls = new Map<string, string>(); // name -> one example line
  for (const line of trace) {
    const m = /^\d+\s+([a-z_0-9]+)\(/.exec(line);
    if (m && !calls.has(m[1]!)) calls.set(m[1]!, line);
  }
  assert.ok(calls.has('bpf') && calls.has('perf_event_open'), 'the trace saw precd load eBPF');
  const filter = list('SystemCallFilter');
  if (filter.length > 0) {
    assert.ok(!filter[0]!.startsWith('~'), 'SystemCallFilter is an allow-list');
    // systemd always permits these, whatever the filter.
    const allowed = expandFilter([...filter, 'execve', 'exit', 'exit_group', 'rt_sigreturn', 'getrlimit'], syscallGroups());
    const denied = [...calls.keys()].filter((c) => !allowed.has(c));
    assert.deepEqual(denied, [], `syscalls outside SystemCallFilter: ${denied.map((d) => calls.get(d)).join('\n')}`);
  }
  const families = list('RestrictAddressFamilies');
  if (families.length > 0) {
    const used = trace.map((l) => /^\d+\s+socket(?:pair)?\((AF_\w+)/.exec(l)?.[1]).filter((f): f is string => !!f);
    const bad = used.filter((f) => !families.includes(f));
    assert.deepEqual([...new Set(bad)], [], 'socket families outside RestrictAddressFamilies');
  }
  if (yes('RestrictNamespaces')) {
    const ns = trace.filter((l) => /^\d+\s+(unshare|setns)\(|CLONE_NEW/.test(l));
    assert.deepEqual(ns, [], 'namespace operations despite RestrictNamespaces');
  }
  if (yes('RestrictRealtime')) {
    assert.deepEqual(trace.filter((l) => /SCHED_(FIFO|RR|DEADLINE)/.test(l)), [], 'realtime scheduling');
  }
  if (yes('RestrictSUIDSGID')) {
    const suid = trace.filter((l) => {
      const m = /^\d+\s+(?:f?chmod|fchmodat)\(.*?, (0[0-7]+)\)/.exec(l);
      return m !== null && (parseInt(m[1]!, 8) & 0o6000) !== 0;
    });
    assert.deepEqual(suid, [], 'setuid/setgid file modes');
  }
  if (yes('LockPersonality')) {
    const p = trace.filter((l) => /^\d+\s+personality\((?!0xffffffff)/.test(l));
    assert.deepEqual(p, [], 'personality changes');
  }
  if (one('SystemCallArchitectures') === 'native') {
    assert.deepEqual(trace.filter((l) => /runs in (32|x32) bit mode/.test(l)), [], 'non-native syscalls');
  }
  if (yes('ProtectClock')) {
    assert.deepEqual(trace.filter((l) => /^\d+\s+(clock_settime|settimeofday|adjtimex|clock_adjtime)\(/.test(l)), []);
  }
});
