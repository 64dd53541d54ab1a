// prec end to end on fixture logs: the exact rows, order and values it prints for every flag and
// format, and its errors. Spawns `node bin/prec.js` as a user would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { end, fail, loss, prec, precOk, start, tempDir, writePlain, PREC_BIN, line, type Rec } from './prec-cli-fixtures.js';
import { ROW_FIELDS } from '../../src/schema/index.js';
import { skipUnlessNobodyCanRead } from '../helpers/nobody.js';

const dir = tempDir();
const s1 = start(0, { argv: ['ls', '-la', '/tmp'] });
const s2 = start(1, {
  argv: ['sh', '-c', 'id; uname -a'], user: 'www-data', group: 'www-data', uid: 33, gid: 33, euid: 33, egid: 33,
  auid: undefined, session_id: undefined, tty: undefined, tty_nr: undefined, parent_tty: undefined, parent_tty_nr: undefined,
  source: 'system', parent_comm: 'nginx', parent_exe: '/usr/sbin/nginx', parent_cmdline: 'nginx: worker process', cwd: '/var/www',
});
const f1 = fail(2);
const s3 = start(5, { argv: ['sleep', '100'], argv_truncated: true });
const s4 = start(6, { argv: ['curl', 'https://x.example/a'], user: 'root', group: 'root', uid: 0, gid: 0, euid: 0, egid: 0 });
const ghost = start(6.5);
const records: Rec[] = [
  s1, end(s1, 0.5),
  s2, f1, loss(3, 2, 2), end(s2, 4, { exit_status: 1 }),
  s3, s4, end(s4, 6.25, { exit_status: 137, signal: 'SIGKILL' }),
  end(ghost, 7), // its start is not in the log: dropped
];
const LOG = writePlain(join(dir, 'prec.log'), records);

test('default: source=user rows (and loss rows) in log order, default fields, short timestamps', () => {
  assert.equal(
    precOk(['-i', LOG]),
    [
      '2026-11-22 15:00:00  alice  alice  ls -la /tmp',
      '2026-11-22 15:00:02  alice  alice  ./nothere',
      '2026-11-22 15:00:03  -  -  -',
      '2026-11-22 15:00:05  alice  alice  sleep 100',
      '2026-11-22 15:00:06  root  root  curl https://x.example/a',
      '',
    ].join('\n'),
  );
});

test('-A shows every source; any -q drops the implicit source=user', () => {
  const all = precOk(['-i', LOG, '-A', '-f', 'user,record_type,source']);
  assert.equal(all, 'alice  command  user\nwww-data  command  system\nalice  fail  user\n-  loss  -\nalice  command  user\nroot  command  user\n');
  assert.equal(precOk(['-i', LOG, '-q', 'user=www-data', '-f', 'command']), `sh -c 'id; uname -a'\n`);
  assert.equal(precOk(['-i', LOG, '--all-sources', '--query', 'uid=33', '--fields', 'command']), `sh -c 'id; uname -a'\n`);
});

test('merged rows carry end values; running commands leave them empty; --full-time keeps the recorded value', () => {
  const out = precOk(['-i', LOG, '-A', '-f', 'command,end_timestamp,duration,duration_ns,exit_status,signal', '-q', 'record_type=command']);
  assert.equal(
    out,
    [
      'ls -la /tmp  2026-11-22 15:00:00  0000-00-00 00:00:00  500000000  0  -',
      `sh -c 'id; uname -a'  2026-11-22 15:00:04  0000-00-00 00:00:03  3000000000  1  -`,
      'sleep 100  -  -  -  -  -',
      'curl https://x.example/a  2026-11-22 15:00:06  0000-00-00 00:00:00  250000000  137  SIGKILL',
      '',
    ].join('\n'),
  );
  assert.equal(
    precOk(['-i', LOG, '--full-time', '-f', 'timestamp,end_timestamp', '-n', '1']),
    '2026-11-22T15:00:06.000000000+09:00  2026-11-22T15:00:06.250000000+09:00\n',
  );
});

test('-n N: the last N matching rows; 0 is all; below 0 is an error', () => {
  assert.equal(precOk(['-i', LOG, '-n', '2', '-f', 'command']), 'sleep 100\ncurl https://x.example/a\n');
  assert.equal(precOk(['-i', LOG, '-n2', '-A', '-q', 'exit_status=0', '-f', 'command']), 'ls -la /tmp\n');
  assert.equal(precOk(['-i', LOG, '--limit', '0', '-f', 'command']).split('\n').length, 6);
  const r = prec(['-i', LOG, '-n', '-1']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'prec: -n must be 0 or more, got -1\n');
  assert.equal(r.stdout, '');
});

test('-f edit rules through the command line, including values that start with a dash', () => {
  assert.equal(precOk(['-i', LOG, '-n', '1', '-f', '+uid,gid,-timestamp,user']), 'root  curl https://x.example/a  0  0\n');
  assert.equal(precOk(['-i', LOG, '-n', '1', '-f', '-timestamp']), 'root  root  curl https://x.example/a\n');
  assert.equal(precOk(['-i', LOG, '-n', '1', '--fields=-timestamp,group']), 'root  curl https://x.example/a\n');
  assert.equal(precOk(['-i', LOG, '-n', '1', '-f', 'pid,comm,pid']), `${String(s4.pid)}  curl\n`);
  const everyButArgv = precOk(['-i', LOG, '-n', '1', '-o', 'json', '-f', 'all,-argv,auid']);
  assert.deepEqual(Object.keys(JSON.parse(everyButArgv) as object), ROW_FIELDS.filter((f) => f !== 'argv' && f !== 'auid'));
  // -argv removes nothing (not a default), timestamp,user,group take its minus sign, +argv appends.
  assert.equal(precOk(['-i', LOG, '-n', '1', '-f', '-argv,timestamp,user,group,+argv']), 'curl https://x.example/a  ["curl","https://x.example/a"]\n');
});

test('json: one object per line, keys in -f order, typed values', () => {
  const out = precOk(['-i', LOG, '-A', '-o', 'json', '-f', 'exit_status,argv,uid,command,timestamp,duration,signal,lost_samples']);
  const rows = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 6);
  for (const r of rows) assert.deepEqual(Object.keys(r), ['exit_status', 'argv', 'uid', 'command', 'timestamp', 'duration', 'signal', 'lost_samples']);
  assert.deepEqual(rows[1], {
    exit_status: 1, argv: ['sh', '-c', 'id; uname -a'], uid: 33, command: "sh -c 'id; uname -a'",
    timestamp: '2026-11-22 15:00:01', duration: '0000-00-00 00:00:03', signal: null, lost_samples: null,
  });
  assert.deepEqual(rows[3], {
    exit_status: null, argv: null, uid: null, command: null, timestamp: '2026-11-22 15:00:03', duration: null, signal: null, lost_samples: 2,
  });
});

test('csv: header row and rows; table: a grid with the field names', () => {
  assert.equal(
    precOk(['-i', LOG, '-o', 'csv', '-f', 'user,command,exit_status', '-n', '3']),
    'user,command,exit_status\n,,\nalice,sleep 100,\nroot,curl https://x.example/a,137\n',
  );
  assert.equal(
    precOk(['-i', LOG, '-o', 'table', '-f', 'user,exit_status', '-q', 'user=root']),
    [
      '┌──────┬─────────────┐',
      '│ user │ exit_status │',
      '├──────┼─────────────┤',
      '│ root │ 137         │',
      '└──────┴─────────────┘',
      '',
    ].join('\n'),
  );
});

test('query operators and types end to end', () => {
  const cases: Array<[string, string]> = [
    ['uid=33', 'sh'],
    ['uid!=1000', 'sh,-,curl'], // != is true where the row lacks the key (the loss row)
    ['pid>1004', '' /* set below */],
    ['exit_status>=1', 'sh,curl'],
    ['exit_status<1', 'ls'],
    ['duration_ns<=500000000', 'ls,curl'],
    ['user~=data', 'sh'],
    ['command!~=a', 'bash,-,sleep'],
    ['command=ls -la /tmp', 'ls'],
    ['argv~=-la /t', 'ls'],
    ['timestamp>=2026-11-22T15:00:05+09:00', 'sleep,curl'],
    ['timestamp<2026-11-22T06:00:01Z', 'ls'],
    ['end_timestamp>2026-11-22T15:00:03.5+09:00', 'sh,curl'],
    ['duration>=0000-00-00 00:00:01', 'sh'],
    ['duration<0000-00-00 00:00:01', 'ls,curl'],
    ['signal=SIGKILL', 'curl'],
    ['argv_truncated=true', 'sleep'],
    ['argv_truncated!=true', 'ls,sh,bash,-,curl'],
    ['source=system', 'sh'],
    ['record_type=fail', 'bash'],
    ['exec_error~=no such', 'bash'],
    ['tty!=/dev/pts/1', 'sh,-'],
    ['auid=1000 && !(comm=ls || comm=curl)', 'sleep'],
    ['(uid=0 || uid=33) && exit_status!=0', 'sh,curl'],
    ['parent_cmdline="nginx: worker process"', 'sh'],
  ];
  const pidCase = cases.find((c) => c[0] === 'pid>1004')!;
  pidCase[0] = `pid>${String(s3.pid)}`;
  pidCase[1] = 'bash,curl'; // the fail row's pid is 5000+
  for (const [q, want] of cases) {
    const got = precOk(['-i', LOG, '-q', q, '-f', 'comm']).trimEnd().split('\n').filter(Boolean).join(',');
    assert.equal(got, want, q);
  }
  // repeated -q are ANDed
  assert.equal(precOk(['-i', LOG, '-q', 'uid!=1000', '-q', 'exit_status=1', '-f', 'comm']), 'sh\n');
});

test('duration queries compare the whole seconds a row is shown with', () => {
  const s = start(0, { argv: ['nearly', 'two'] });
  const log = writePlain(join(dir, 'duration.log'), [s, end(s, 2, { duration_ns: 1_999_999_999 })]);
  assert.equal(precOk(['-i', log, '-f', 'duration,duration_ns']), '0000-00-00 00:00:01  1999999999\n');
  const cases: Array<[string, string]> = [
    ['duration=0000-00-00 00:00:01', 'nearly two\n'],
    ['duration>=0000-00-00 00:00:01', 'nearly two\n'],
    ['duration<=0000-00-00 00:00:01', 'nearly two\n'],
    ['duration>0000-00-00 00:00:01', ''],
    ['duration<0000-00-00 00:00:02', 'nearly two\n'],
    ['duration!=0000-00-00 00:00:01', ''],
    ['duration_ns=1999999999', 'nearly two\n'],
  ];
  for (const [q, want] of cases) assert.equal(precOk(['-i', log, '-q', q, '-f', 'command']), want, q);
});

test('end-only conditions never match a command still running, whatever the operator', () => {
  assert.equal(precOk(['-i', LOG, '-q', 'exit_status!=0', '-f', 'comm']), 'sh\ncurl\n');
  assert.equal(precOk(['-i', LOG, '-q', 'comm=sleep && duration<9999-00-00 00:00:00', '-f', 'comm']), '');
  assert.equal(precOk(['-i', LOG, '-q', 'comm=sleep', '-f', 'comm,exit_status']), 'sleep  -\n');
});

test('terminal injection: control characters, CR, BIDI and newlines print escaped in text and table', () => {
  const evil = start(0, {
    argv: ['echo', '\x1b[2J\x1b[1;1Hroot ok', 'a\rb\bc', 'x\u202eexe.sh', 'two\nlines', '\x07\x7f\u0085', 'lone\ud800'],
    cwd: '/tmp/\x1b]0;title\x07',
  });
  const log = writePlain(join(dir, 'evil.log'), [evil]);
  const textOut = precOk(['-i', log, '-f', 'command,cwd']);
  assert.equal(
    textOut,
    `echo '\\e[2J\\e[1;1Hroot ok' 'a\\rb\\x08c' 'x\\u202eexe.sh' 'two\\nlines' '\\x07\\x7f\\u0085' 'lone\\ud800'  /tmp/\\e]0;title\\x07\n`,
  );
  const tableOut = precOk(['-i', log, '-f', 'command,argv', '-o', 'table']);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(tableOut, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  assert.ok(tableOut.includes('\\e[2J'));
  // JSON and CSV keep the exact values (JSON escapes control characters itself).
  const json = JSON.parse(precOk(['-i', log, '-f', 'argv', '-o', 'json'])) as { argv: string[] };
  assert.deepEqual(json.argv, evil.argv);
});

test('tree through the command line: chain, ancestors marked, 1,000 levels', () => {
  const nginx = start(0, { argv: ['nginx'], pid: 100, ppid: 1, source: 'system', user: 'root' });
  const sh = start(1, { argv: ['sh', '-c', 'id'], pid: 200, ppid: 100, source: 'system', user: 'www-data' });
  const id = start(2, { argv: ['id'], pid: 201, ppid: 200, source: 'system', user: 'www-data' });
  const other = start(3, { argv: ['worker'], pid: 101, ppid: 100, source: 'system', user: 'www-data' });
  const log = writePlain(join(dir, 'tree.log'), [nginx, sh, id, end(id, 2.1), end(sh, 2.2), other]);
  assert.equal(precOk(['-i', log, '-A', '--tree', '-f', 'user,command']), 'root  nginx\n├─ www-data  sh -c id\n│  └─ www-data  id\n└─ www-data  worker\n');
  assert.equal(
    precOk(['-i', log, '--tree', '-q', 'comm=id', '-f', 'command']),
    '(ancestor) nginx\n└─ (ancestor) sh -c id\n   └─ id\n',
  );
  // json and csv: exactly the selected fields, in order (SPEC 8); rows in tree order, ancestors included.
  const json = precOk(['-i', log, '--tree', '-q', 'comm=id', '-f', 'comm,pid', '-o', 'json']);
  assert.equal(json, '{"comm":"nginx","pid":100}\n{"comm":"sh","pid":200}\n{"comm":"id","pid":201}\n');
  const csv = precOk(['-i', log, '--tree', '-q', 'comm=id', '-f', 'comm,pid', '-o', 'csv']);
  assert.equal(csv, 'comm,pid\nnginx,100\nsh,200\nid,201\n');
  // table keeps the drawing and the mark, like text
  const table = precOk(['-i', log, '--tree', '-q', 'comm=id', '-f', 'comm', '-o', 'table']).split('\n');
  assert.deepEqual(table.filter((l) => l.startsWith('│')), ['│ comm             │', '│ (ancestor) nginx │', '│ └─ (ancestor) sh │', '│    └─ id         │']);
  const chain: Rec[] = [];
  for (let i = 0; i < 1000; i++) chain.push(start(i / 1000, { argv: [`p${i}`], pid: 10_000 + i, ppid: 9_999 + i }));
  const deep = writePlain(join(dir, 'deep.log'), chain);
  const lines = precOk(['-i', deep, '--tree', '-f', 'command']).trimEnd().split('\n');
  assert.equal(lines.length, 1000);
  assert.equal(lines[999], '   '.repeat(998) + '└─ p999');
});

test('errors are one line on stderr with status 1', () => {
  const cases: Array<[string[], RegExp]> = [
    [['-i', join(dir, 'missing.log')], /^prec: cannot read .*missing\.log: no such file or directory\n$/],
    [['-F', '-i', join(dir, 'missing.log')], /^prec: cannot read .*missing\.log: no such file or directory\n$/],
    [['-i', dir], /^prec: cannot read .*: is a directory\n$/],
    [['-i', LOG, '-q'], /^prec: Flag --query expects a value \(see prec --help\)\n$/],
    [['-i', LOG, '-f', 'usr'], /^prec: unknown field "usr" in -f \(did you mean "user"\?\); known fields: all, timestamp, .*lost_samples_total\n$/],
    [['-i', LOG, '-f', 'user,,pid'], /^prec: empty field name in -f "user,,pid"; known fields: all, /],
    [['-i', LOG, '--tree', '-F'], /^prec: --tree cannot be used with --follow/],
    [['-i', LOG, '-o', 'xml'], /^prec: -o expects one of text, table, json, csv, got "xml"\n$/],
    [['-i', LOG, '--nope'], /^prec: Nonexistent flag: --nope \(see prec --help\)\n$/],
    [['-i', LOG, 'extra'], /^prec: Unexpected argument: extra/],
  ];
  for (const [args, re] of cases) {
    const r = prec(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('a bad query shows the message, the query and a caret under the column', () => {
  const r = prec(['-i', LOG, '-q', 'user=root && uidd>1']);
  assert.equal(r.status, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, /^prec: bad query: .*uidd.*did you mean "uid".*\(column 14\)$/);
  assert.equal(lines[1], '  user=root && uidd>1');
  assert.equal(lines[2], '               ^');
});

test('permission denied is reported as such (run as nobody on a 0600 log)', { skip: skipUnlessNobodyCanRead(PREC_BIN) }, () => {
  const locked = join(tempDir(), 'locked.log');
  writeFileSync(locked, line(s1) + '\n');
  chmodSync(locked, 0o600);
  chmodSync(join(locked, '..'), 0o755);
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, PREC_BIN, '-i', locked], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^prec: cannot read .*locked\.log: permission denied\n$/);
});

test('a closed pipe ends prec quietly with status 0', () => {
  const many: Rec[] = [];
  for (let i = 0; i < 30_000; i++) many.push(start(i / 100, { argv: ['echo', `n${i}`] }));
  const big = writePlain(join(dir, 'big.log'), many);
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${PREC_BIN}" -i "${big}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
  assert.equal(r.stdout, '2026-11-22 15:00:00  alice  alice  echo n0\n');
  assert.equal(r.stderr, 'status=0\n');
});

test('output that cannot be written (disk full) is one error line and status 1', () => {
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${PREC_BIN}" -A -i "${LOG}" > /dev/full`], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'prec: cannot write output: no space left on device\n');
});

test('--version prints version and runtime', () => {
  assert.match(precOk(['--version']), /^prec \d+\.\d+\.\d+ \(.*built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) node v\d+\.\d+\.\d+ linux-\w+\n$/);
});

test('long-running commands do not hold the output: far ends are found by a second pass', () => {
  const long = start(0, { argv: ['long'] });
  const recs: Rec[] = [long];
  for (let i = 0; i < 40; i++) {
    const s = start(1 + i, { argv: ['short', String(i)] });
    recs.push(s, end(s, 1.5 + i));
  }
  recs.push(end(long, 100, { exit_status: 3 }));
  const log = writePlain(join(dir, 'long.log'), recs);
  const args = ['-i', log, '-f', 'command,exit_status'];
  const small = precOk(args, { env: { PREC_MERGE_WINDOW: '5' } });
  assert.equal(small, precOk(args));
  assert.equal(small.split('\n')[0], 'long  3');
  assert.equal(small.split('\n')[40], 'short 39  0');
});

test('bad lines are skipped and counted on stderr', () => {
  const log = join(dir, 'bad.log');
  writeFileSync(log, `${line(s1)}\nnot json\n{"record_type":"start"\n${line(s3)}\n`);
  const r = prec(['-i', log, '-f', 'command']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'ls -la /tmp\nsleep 100\n');
  assert.match(r.stderr, /^prec: skipped 2 lines that are not a valid record\n$/);
});

test('loss rows a query hides are reported on stderr once, never on stdout', () => {
  const notice = (n: number, lost: number): string =>
    `prec: ${n} loss record${n === 1 ? '' : 's'} (${lost} event${lost === 1 ? '' : 's'} dropped) in the logs read ${n === 1 ? 'is' : 'are'} not shown by the query; add '|| record_type=loss' to see them\n`;
  // The auditor's query: auid is not in a loss record, so the clause is false there (SPEC 7).
  let r = prec(['-i', LOG, '-A', '-q', 'auid=1000', '-f', 'comm,record_type']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'ls  command\nsleep  command\ncurl  command\n');
  assert.equal(r.stderr, notice(1, 2));
  // Following the hint shows them, and there is nothing left to report.
  r = prec(['-i', LOG, '-A', '-q', 'auid=1000 || record_type=loss', '-f', 'comm,record_type']);
  assert.equal(r.stdout, 'ls  command\n-  loss\nsleep  command\ncurl  command\n');
  assert.equal(r.stderr, '');
  // Several losses: their count and the sum of their lost_samples; the same with and without the
  // prefilter (user=alice gives it a needle loss lines lack), and in the tree view.
  const many = writePlain(join(dir, 'losses.log'), [s1, loss(1, 1000, 1000), end(s1, 2), s4, loss(7, 234, 1234), end(s4, 8)]);
  for (const env of [{}, { PREC_NO_PREFILTER: '1' }]) {
    r = prec(['-i', many, '-q', 'user=alice', '-f', 'comm'], { env });
    assert.equal(r.stdout, 'ls\n');
    assert.equal(r.stderr, notice(2, 1234));
  }
  r = prec(['-i', many, '--tree', '-q', 'user=root', '-f', 'comm']);
  assert.equal(r.stdout, 'curl\n');
  assert.equal(r.stderr, notice(2, 1234));
  // -n limits what is shown, not what the query hides.
  r = prec(['-i', many, '-n', '1', '-q', 'comm~=l', '-f', 'comm']);
  assert.equal(r.stdout, 'curl\n');
  assert.equal(r.stderr, notice(2, 1234));
  // No query: the implicit source=user keeps loss rows; -A shows everything.
  for (const args of [[], ['-A']]) {
    r = prec(['-i', many, ...args, '-f', 'record_type']);
    assert.equal(r.stdout, 'command\nloss\ncommand\nloss\n');
    assert.equal(r.stderr, '');
  }
});
