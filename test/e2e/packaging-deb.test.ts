// The release: `packaging/build-deb.sh` builds a .deb that carries the whole app, declares what it
// needs, installs on this machine with dpkg, runs from its installed paths, and goes away cleanly
// (remove keeps only the configuration, purge everything). Its maintainer scripts drive systemd as
// the packaging contract says (checked against a stand-in systemctl in a private mount namespace,
// since systemd is not running here).
//
// The machine is left as it was: the test skips when prec is installed or any of its paths exist,
// and purges what it installed whatever happens.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { stringify } from 'smol-toml';
import { bookwormRoot, inThrowawayRoot, whyNoDebianRoot } from '../helpers/debian-root.js';
import { PRECD_NODE_FLAGS, REPO_ROOT, READY_RE, marker, readLogRecords, recordsFor, run, sleep } from '../helpers/precd.js';

const pkgJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const arch = run('dpkg', ['--print-architecture']).stdout.trim();
const debName = `prec_${pkgJson.version}_${arch}`;
const CONFFILES = ['/etc/prec/precd.conf', '/etc/logrotate.d/prec'];
/** The man pages (docs/man, built by packaging/build-man.sh), as installed. */
const MAN_PAGES = ['man1/prec.1', 'man8/precd.8', 'man5/precd.conf.5', 'man8/prec-ship.8', 'man5/ship.conf.5'].map((p) => `/usr/share/man/${p}.gz`);
const INSTALLED_PATHS = ['/usr/bin/prec', '/usr/sbin/precd', '/usr/lib/prec', '/lib/systemd/system/precd.service', '/etc/prec', '/etc/logrotate.d/prec', '/var/log/prec'];

function whyNotHere(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (dpkg -i)';
  if (run('which', ['dpkg-deb']).status !== 0) return 'dpkg-deb is not available';
  const st = run('dpkg-query', ['-W', '-f=${Status}', 'prec']);
  if (st.status === 0 && !/not-installed/.test(st.stdout)) return `a prec package is already on this machine (${st.stdout}): not touching it`;
  const present = INSTALLED_PATHS.filter((p) => existsSync(p));
  if (present.length > 0) return `prec files already exist here (${present.join(', ')}): not touching them`;
  if (!existsSync(join(REPO_ROOT, 'addon/build/Release/prec_addon.node'))) return 'the tree is not built (just build)';
  return undefined;
}
const skip = whyNotHere();

let outDir = '';
let deb = '';
/** The package's files, from the archive: [mode string, path without the leading '.'] */
let contents: Array<{ mode: string; path: string }> = [];
after(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('just release builds the .deb, a binary tarball and a source tarball', { skip }, () => {
  outDir = mkdtempSync(join(tmpdir(), 'prec-release-'));
  // xz over the bundled node (~85 MB) takes a while on a busy machine: a generous bound, not a speed check.
  const r = spawnSync('bash', [join(REPO_ROOT, 'packaging/build-deb.sh'), outDir], { encoding: 'utf8', timeout: 1_800_000 });
  assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
  deb = join(outDir, `${debName}.deb`);
  assert.ok(existsSync(deb), `${deb} built`);
  assert.ok(existsSync(join(outDir, `${debName}.tar.gz`)), 'binary tarball');
  const tarList = run('tar', ['-tzf', join(outDir, `${debName}.tar.gz`)]).stdout;
  assert.match(tarList, /^usr\/sbin\/precd$/m);
  assert.match(tarList, /^usr\/lib\/prec\/build\/bpf\/prec\.bpf\.o$/m);
  // The same runtime as the .deb: the tarball needs no node on the host either.
  assert.match(tarList, /^usr\/lib\/prec\/bin\/node$/m);
  assert.match(tarList, /^usr\/lib\/prec\/lib\/libbpf\.so\.1$/m);
  assert.match(tarList, /^usr\/share\/doc\/prec\/node\.LICENSE$/m);
  for (const m of MAN_PAGES) assert.ok(tarList.split('\n').includes(m.slice(1)), `${m} in the tarball`);
  // Nothing that would reset the modes of shared directories (/, /etc, /usr, ...) on extraction.
  assert.deepEqual(tarList.split('\n').filter((l) => /^(\.\/)?(etc|usr|lib|var|usr\/lib|usr\/bin|usr\/sbin|var\/log)?\/?$/.test(l) && l !== ''), []);
  contents = run('dpkg-deb', ['-c', deb])
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      return { mode: f[0]!, path: f.slice(5).join(' ').replace(/^\./, '').replace(/ -> .*$/, '') };
    });
});

test('the package declares its dependencies, conffiles and maintainer scripts', { skip }, () => {
  const field = (name: string) => run('dpkg-deb', ['-f', deb, name]).stdout.trim();
  assert.equal(field('Package'), 'prec');
  assert.equal(field('Version'), pkgJson.version);
  assert.equal(field('Architecture'), arch);
  // Only C libraries: node comes with the package (Debian 12 and Ubuntu 22.04/24.04 have no node
  // >= 20) and so does libbpf.so.1 (Ubuntu 22.04 has no libbpf1).
  const depends = field('Depends').split(/,\s*/);
  const names = depends.map((d) => d.split(' ')[0]!);
  for (const lib of ['libc6', 'libelf1', 'zlib1g', 'libstdc++6']) assert.ok(names.includes(lib), `Depends on ${lib}: ${depends.join(', ')}`);
  assert.deepEqual(names.filter((n) => /^(nodejs|libbpf)/.test(n)), [], `no nodejs or libbpf in Depends: ${depends.join(', ')}`);

  // Every shared library an ELF file of the package needs is in the package or belongs to a package
  // it depends on.
  const x = mkdtempSync(join(tmpdir(), 'prec-deb-x-'));
  try {
    assert.equal(run('dpkg-deb', ['-x', deb, x]).status, 0);
    const nodes = contents.filter((c) => /\.node$|\.so\.\d+$|^\/usr\/lib\/prec\/bin\/node$/.test(c.path)).map((c) => join(x, c.path));
    assert.ok(nodes.length >= 4, `node, libbpf, the addon and zstd-napi's binding are shipped: ${nodes.join(', ')}`);
    // The addon finds the bundled libbpf, not the build host's.
    const addonLdd = run('ldd', [join(x, '/usr/lib/prec/addon/build/Release/prec_addon.node')]).stdout;
    assert.match(addonLdd, new RegExp(`libbpf\\.so\\.1 => ${x}/usr/lib/prec/addon/build/Release/\\.\\./\\.\\./\\.\\./lib/libbpf\\.so\\.1`), addonLdd);
    for (const n of nodes) {
      const ldd = run('ldd', [n]).stdout;
      for (const m of ldd.matchAll(/=> (\/\S+)/g)) {
        if (m[1]!.startsWith(`${x}/`)) continue; // bundled
        const owner = [m[1]!, `/usr${m[1]!}`, m[1]!.replace(/^\/usr/, '')]
          .map((p) => run('dpkg', ['-S', p]))
          .find((r) => r.status === 0)
          ?.stdout.split(':')[0];
        assert.ok(owner, `a package owns ${m[1]}`);
        assert.ok(depends.some((d) => d.split(' ')[0] === owner), `${n} needs ${m[1]} from ${owner}, not in Depends`);
      }
    }
    // The shipped copies are the repository's files.
    for (const [inPkg, inRepo] of [
      ['lib/systemd/system/precd.service', 'systemd/precd.service'],
      ['etc/logrotate.d/prec', 'logrotate/prec'],
      ['etc/prec/precd.conf', 'packaging/precd.conf.example'],
    ] as const) {
      assert.equal(readFileSync(join(x, inPkg), 'utf8'), readFileSync(join(REPO_ROOT, inRepo), 'utf8'), inPkg);
    }
  } finally {
    rmSync(x, { recursive: true, force: true });
  }

  const ctl = mkdtempSync(join(tmpdir(), 'prec-deb-ctl-'));
  try {
    assert.equal(run('dpkg-deb', ['-e', deb, ctl]).status, 0);
    assert.deepEqual(readFileSync(join(ctl, 'conffiles'), 'utf8').split('\n').filter(Boolean), CONFFILES);
    for (const s of ['postinst', 'prerm', 'postrm']) {
      assert.equal(readFileSync(join(ctl, s), 'utf8'), readFileSync(join(REPO_ROOT, 'packaging/deb', s), 'utf8'), s);
      assert.equal(statSync(join(ctl, s)).mode & 0o111, 0o111, `${s} executable`);
    }
  } finally {
    rmSync(ctl, { recursive: true, force: true });
  }
});

test('the package carries the app, production dependencies only, and the system files', { skip }, () => {
  const paths = new Set(contents.map((c) => c.path.replace(/\/$/, '')));
  for (const p of [
    '/usr/bin/prec',
    '/usr/sbin/precd',
    '/lib/systemd/system/precd.service',
    '/etc/logrotate.d/prec',
    '/etc/prec/precd.conf',
    '/usr/lib/prec/package.json',
    '/usr/lib/prec/bin/prec.js',
    '/usr/lib/prec/bin/precd.js',
    '/usr/lib/prec/build/src/daemon/main.js',
    '/usr/lib/prec/build/src/cli/commands.js',
    '/usr/lib/prec/build/src/cli/commands/index.js',
    '/usr/lib/prec/build/bpf/prec.bpf.o',
    '/usr/lib/prec/addon/build/Release/prec_addon.node',
    '/usr/lib/prec/node_modules/zstd-napi/build/Release/binding.node',
    '/usr/lib/prec/node_modules/@oclif/core/package.json',
  ]) {
    assert.ok(paths.has(p), `${p} in the package`);
  }
  const logDir = contents.find((c) => c.path === '/var/log/prec/');
  assert.equal(logDir?.mode, 'drwxr-x---', '/var/log/prec 0750');
  // Exactly the production dependency tree of the lock file (a devDependency that a production
  // package also needs, like @types/node for zstd-napi, is part of it).
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const prod = Object.entries(lock.packages)
    .filter(([p, v]) => p.startsWith('node_modules/') && !v.dev)
    .map(([p]) => `/${p}`);
  assert.ok(prod.length > 0, 'the lock file lists the production tree');
  for (const dep of prod) assert.ok(paths.has(`/usr/lib/prec${dep}/package.json`), `production dependency ${dep} shipped`);
  for (const dev of Object.keys(pkgJson.devDependencies)) {
    if (prod.includes(`/node_modules/${dev}`)) continue;
    assert.ok(!paths.has(`/usr/lib/prec/node_modules/${dev}`), `devDependency ${dev} not shipped`);
  }
  const own = [...paths].filter((p) => p.startsWith('/usr/lib/prec/') && !p.startsWith('/usr/lib/prec/node_modules/'));
  assert.deepEqual(own.filter((p) => /^\/usr\/lib\/prec\/build\/(test|bench)\b|\.ts$|\.map$/.test(p)), [], 'no tests, benchmarks, sources or maps of ours');
  const deps = [...paths].filter((p) => p.startsWith('/usr/lib/prec/node_modules/'));
  assert.deepEqual(deps.filter((p) => /\.map$|\.d\.[cm]?ts$|\/(test|tests|__tests__)$|\/\.[^/]+$/.test(p)), [], 'no maps, type declarations, tests or dotfiles of dependencies');

  // The runtime: this very node, with its licence next to the package's copyright.
  for (const p of ['/usr/lib/prec/bin/node', '/usr/lib/prec/lib/libbpf.so.1', '/usr/share/doc/prec/node.LICENSE', '/usr/share/doc/prec/copyright', '/usr/share/lintian/overrides/prec']) {
    assert.ok(paths.has(p), `${p} in the package`);
  }
  const x = mkdtempSync(join(tmpdir(), 'prec-deb-node-'));
  try {
    assert.equal(run('dpkg-deb', ['-x', deb, x]).status, 0);
    assert.equal(run(join(x, 'usr/lib/prec/bin/node'), ['--version']).stdout.trim(), process.version);
    assert.match(readFileSync(join(x, 'usr/share/doc/prec/node.LICENSE'), 'utf8'), /Node\.js is licensed for use as follows/);
    for (const w of ['usr/bin/prec', 'usr/sbin/precd']) {
      assert.match(readFileSync(join(x, w), 'utf8'), /^exec \/usr\/lib\/prec\/bin\/node /m, `${w} runs the bundled node`);
    }
  } finally {
    rmSync(x, { recursive: true, force: true });
  }
});

test('the man pages are installed gzip -9n compressed, one per program and config file', { skip }, () => {
  for (const m of MAN_PAGES) {
    const entry = contents.find((c) => c.path === m);
    assert.equal(entry?.mode, '-rw-r--r--', `${m} in the package, 0644`);
  }
  const x = mkdtempSync(join(tmpdir(), 'prec-deb-man-'));
  try {
    assert.equal(run('dpkg-deb', ['-x', deb, x]).status, 0);
    for (const m of MAN_PAGES) {
      const gz = readFileSync(join(x, m));
      // gzip -9n: no file name (FLG.FNAME), no time stamp, "maximum compression" in XFL.
      assert.deepEqual([gz[0], gz[1], gz[3]! & 0x08, gz.readUInt32LE(4), gz[8]], [0x1f, 0x8b, 0, 0, 2], `${m} is gzip -9n`);
      const page = m.replace(/^.*\//, '').replace(/\.gz$/, '');
      assert.equal(gunzipSync(gz).toString('utf8'), readFileSync(join(REPO_ROOT, 'build/man', page), 'utf8'), `${m} is build/man/${page}`);
    }
  } finally {
    rmSync(x, { recursive: true, force: true });
  }
});

test('lintian finds nothing to say: every tag is fixed or overridden with a reason', { skip }, () => {
  const overrides = readFileSync(join(REPO_ROOT, 'packaging/deb/lintian-overrides'), 'utf8').split('\n');
  overrides.forEach((line, i) => {
    if (!line.startsWith('prec: ')) return;
    assert.match(overrides[i - 1] ?? '', /^# \S.{10,}/, `override on line ${i + 1} has a one-line reason above it`);
  });
  // Errors and warnings fail it, and so does an override that matches nothing (-I shows those).
  const r = spawnSync('lintian', ['-I', '--fail-on', 'error,warning', '--tag-display-limit', '0', deb], { encoding: 'utf8', timeout: 900_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.deepEqual(out.split('\n').filter((l) => /^[EW]: |unused-override|mismatched-override/.test(l)), [], `lintian: ${out}`);
  assert.equal(r.status, 0, `lintian: ${r.stdout}${r.stderr}`);
});

test('on a stock Debian 12 root (debootstrap), apt installs the .deb from Debian\'s archive alone; prec and precd run there', { skip: skip ?? whyNoDebianRoot() }, () => {
  // The first run bootstraps the root (minutes; cached under TEST_CACHE), later runs reuse it.
  const base = bookwormRoot();
  const work = mkdtempSync(join(tmpdir(), 'prec-chroot-'));
  try {
    // Kernel probes cannot load in a chroot: precd checks its installed config, it does not start.
    const r = inThrowawayRoot(base, work, `
cp "$DEB" "$ROOT/tmp/prec.deb"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends /tmp/prec.deb
echo "nodejs: $(in_root dpkg-query -W -f='\${Status}' nodejs 2>&1 || true)"
echo "debian: $(cat "$ROOT/etc/debian_version")"
echo "prec: $(in_root prec --version 2>&1)"
echo "precd: $(in_root precd --check-config 2>&1)"
`, 15 * 60_000, { DEB: deb });
    assert.equal(r.status, 0, `in the bookworm root: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^debian: 12\./m);
    assert.doesNotMatch(r.stdout, /^nodejs: install ok installed/m, 'no nodejs package was pulled in');
    assert.match(r.stdout, new RegExp(`^prec: .*${pkgJson.version.replace(/\./g, '\\.')}`, 'm'));
    assert.match(r.stdout, /^precd: config ok: \/etc\/prec\/precd\.conf$/m);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('maintainer scripts reload systemd, restart precd on upgrade, stop and disable it on removal', { skip: process.getuid?.() !== 0 ? 'needs root (mount namespaces)' : undefined }, () => {
  // Each script runs in a private mount namespace where /run and /var/log are scratch tmpfs and
  // systemctl is a stand-in that records its arguments; with and without /run/systemd/system.
  const dir = mkdtempSync(join(tmpdir(), 'prec-maint-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${calls}\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    const script = (name: string) => join(REPO_ROOT, 'packaging/deb', name);
    const runScript = (booted: boolean, name: string, ...args: string[]): string[] => {
      writeFileSync(calls, '');
      const setup = [
        'set -e',
        'mount -t tmpfs tmpfs /run',
        'mount -t tmpfs tmpfs /var/log',
        booted ? 'mkdir -p /run/systemd/system' : 'true',
        `PATH=${bin}:$PATH sh "$@"`,
        // postinst's own effect on the (scratch) /var/log: the directory, root only.
        name === 'postinst' ? 'stat -c %a /var/log/prec >&2' : 'true',
      ].join('\n');
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup, 'maint', script(name), ...args], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${name} ${args.join(' ')}: ${r.stderr}`);
      if (name === 'postinst') assert.equal(r.stderr.trim(), '750', 'postinst leaves /var/log/prec 0750');
      return readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    };
    // systemd running
    assert.deepEqual(runScript(true, 'postinst', 'configure'), ['daemon-reload'], 'fresh install: reload only, no start');
    assert.deepEqual(runScript(true, 'postinst', 'configure', '0.0.1'), ['daemon-reload', 'try-restart precd.service'], 'upgrade restarts a running precd');
    assert.deepEqual(runScript(true, 'prerm', 'upgrade', '9.9.9'), [], 'upgrade: precd keeps running until postinst');
    assert.deepEqual(runScript(true, 'prerm', 'remove'), ['stop precd.service', '--quiet disable precd.service']);
    assert.deepEqual(runScript(true, 'postrm', 'remove'), ['daemon-reload']);
    assert.deepEqual(runScript(true, 'postrm', 'purge'), ['daemon-reload']);
    // no systemd: nothing to stop or reload; only the [Install] links are removed
    assert.deepEqual(runScript(false, 'postinst', 'configure', '0.0.1'), []);
    assert.deepEqual(runScript(false, 'prerm', 'remove'), ['--quiet disable precd.service']);
    assert.deepEqual(runScript(false, 'postrm', 'purge'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dpkg -i installs it; the installed prec and precd run; dpkg -r keeps only the config; dpkg -P removes all', { skip }, async (t) => {
  let installed = false;
  t.after(() => {
    if (installed) run('dpkg', ['-P', 'prec']);
  });
  const i = run('dpkg', ['-i', deb]);
  installed = true;
  assert.equal(i.status, 0, `dpkg -i: ${i.stdout}${i.stderr}`);

  const v = run('/usr/bin/prec', ['--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, new RegExp(pkgJson.version.replace(/\./g, '\\.')));
  const dv = run('/usr/sbin/precd', ['--version']);
  assert.equal(dv.status, 0, dv.stderr);
  assert.match(dv.stdout + dv.stderr, new RegExp(pkgJson.version.replace(/\./g, '\\.')));
  // man finds the installed pages.
  for (const [sec, name] of [['1', 'prec'], ['8', 'precd'], ['5', 'precd.conf'], ['8', 'prec-ship'], ['5', 'ship.conf']]) {
    const w = run('man', ['-w', sec!, name!]);
    assert.equal(w.stdout.trim(), `/usr/share/man/man${sec}/${name}.${sec}.gz`, `man -w ${sec} ${name}: ${w.stderr}`);
  }
  const cc = run('/usr/sbin/precd', ['--check-config']);
  assert.equal(cc.status, 0, `precd --check-config on the installed /etc/prec/precd.conf: ${cc.stderr}`);
  assert.equal(statSync('/var/log/prec').mode & 0o777, 0o750);
  const verify = run('systemd-analyze', ['verify', '/lib/systemd/system/precd.service']);
  assert.equal(verify.status, 0, `systemd-analyze verify of the installed unit: ${verify.stdout}${verify.stderr}`);
  assert.equal(`${verify.stdout}${verify.stderr}`.trim(), '');

  // The installed precd (its addon, BPF object and node_modules from /usr/lib/prec) records a
  // command, and the installed prec reads it. Temporary log and lock: /var/log/prec stays empty.
  const dir = mkdtempSync(join(tmpdir(), 'prec-installed-'));
  try {
    const logPath = join(dir, 'log', 'prec.log');
    const conf = join(dir, 'precd.conf');
    writeFileSync(conf, stringify({ log_path: logPath, lock_path: join(dir, 'precd.lock'), metrics_path: join(dir, 'prec.prom'), flush_interval_ms: 50 }));
    const d = spawn('/usr/sbin/precd', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    d.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((res) => d.on('exit', (c) => res(c)));
    try {
      const deadline = Date.now() + 60_000;
      while (!READY_RE.test(err)) {
        assert.ok(d.exitCode === null, `installed precd exited: ${err}`);
        assert.ok(Date.now() < deadline, `installed precd not ready: ${err}`);
        await sleep(50);
      }
      const mark = marker('debinst');
      spawnSync('/bin/echo', [mark]);
      const until = Date.now() + 30_000;
      while (recordsFor(readLogRecords(logPath), mark).ends.length < 1 && Date.now() < until) await sleep(50);
      const pid = Number(READY_RE.exec(err)![1]);
      // The wrapper passes bin/precd.js's node flags (its RSS budget depends on them).
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(argv.slice(1, 1 + PRECD_NODE_FLAGS.length), [...PRECD_NODE_FLAGS]);
      process.kill(pid, 'SIGTERM');
      assert.equal(await exited, 0, err);
      const q = run('/usr/bin/prec', ['-i', logPath, '-q', `argv~=${mark}`, '-f', 'command,exit_status', '-o', 'json']);
      assert.equal(q.status, 0, q.stderr);
      assert.deepEqual(q.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), [{ command: `/bin/echo ${mark}`, exit_status: 0 }]);
    } finally {
      if (d.exitCode === null) d.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Reinstalling over itself (the upgrade path) keeps the admin's edit of a conffile.
  appendFileSync('/etc/prec/precd.conf', '\n# edited by the admin\n');
  const again = run('dpkg', ['-i', '--force-confold', deb]);
  assert.equal(again.status, 0, `dpkg -i again: ${again.stdout}${again.stderr}`);
  assert.match(readFileSync('/etc/prec/precd.conf', 'utf8'), /# edited by the admin/);

  const r = run('dpkg', ['-r', 'prec']);
  assert.equal(r.status, 0, `dpkg -r: ${r.stdout}${r.stderr}`);
  // What is still there and belongs to no package but prec (shared directories like /usr/bin are
  // owned by other packages too and stay).
  const ownersOf = (path: string) => {
    const q = run('dpkg', ['-S', path]);
    return q.status === 0 ? q.stdout.split(': ')[0]!.split(', ').map((o) => o.split(':')[0]!) : [];
  };
  const left = contents
    .map((c) => c.path.replace(/\/$/, ''))
    .filter((path) => path !== '' && existsSync(path))
    .filter((path) => ownersOf(path).every((o) => o === 'prec'));
  const allowedLeft = [...CONFFILES, '/etc/prec'];
  assert.deepEqual(left.filter((p) => !allowedLeft.includes(p)), [], 'dpkg -r leaves only the configuration');
  for (const c of CONFFILES) assert.ok(existsSync(c), `${c} kept by dpkg -r`);
  assert.match(run('dpkg-query', ['-W', '-f=${Status}', 'prec']).stdout, /config-files/);

  const p = run('dpkg', ['-P', 'prec']);
  assert.equal(p.status, 0, `dpkg -P: ${p.stdout}${p.stderr}`);
  installed = false;
  assert.deepEqual(INSTALLED_PATHS.filter((x) => existsSync(x)), [], 'dpkg -P removes everything');
  const status = run('dpkg-query', ['-W', '-f=${Status}', 'prec']);
  assert.ok(status.status !== 0 || /not-installed/.test(status.stdout), `after purge: ${status.stdout}`);
});
