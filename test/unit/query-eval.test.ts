// Semantics of compiled queries (SPEC section 7) on realistic rows. Every check runs both the
// generated predicate (compileQuery) and the reference closures (compileNode) and requires them
// to agree, so the fast path cannot drift from the simple one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compileQuery, isFinalized, parseQuery } from '../../src/query/index.js';
import { compileNode } from '../../src/query/predicate.js';
import { formatDuration, type FieldBag } from '../../src/schema/index.js';

const NS = 1_000_000_000;

function commandRow(extra: Record<string, unknown> = {}): FieldBag {
  return {
    timestamp: '2026-11-22T15:04:05.123456789+09:00',
    event_id: '20261122150000-42',
    uid: 1000, gid: 1000, euid: 1000, egid: 1000, auid: 1000, session_id: 3,
    user: 'alice', group: 'staff',
    pid: 100, ppid: 99,
    comm: 'sh', exe: '/usr/bin/dash', cwd: '/home/alice/my dir',
    argv: ['sh', '-c', 'id; uname -a'], argc: 3,
    cgroup: '/user.slice/user-1000.slice/session-3.scope',
    tty: '/dev/pts/3', tty_nr: 34819,
    source: 'user', record_type: 'command',
    parent_comm: 'bash', parent_exe: '/usr/bin/bash', parent_cmdline: '-bash',
    ...extra,
  };
}

function finalized(extra: Record<string, unknown> = {}): FieldBag {
  return commandRow({
    end_timestamp: '2026-11-22T15:04:08.623456789+09:00',
    duration_ns: 3.5 * NS,
    exit_status: 0,
    ...extra,
  });
}

const failRow: FieldBag = {
  timestamp: '2026-11-22T15:05:00.000000000+09:00', event_id: '20261122150000-43',
  uid: 48, gid: 48, euid: 48, egid: 48, user: 'apache', group: 'apache', pid: 200, ppid: 1,
  comm: 'httpd', exe: '/nonexistent', cwd: '/', argv: ['/nonexistent'], argc: 1, cgroup: '/system.slice/httpd.service',
  source: 'system', record_type: 'fail', exec_errno: 2, exec_error: 'no such file or directory',
  parent_comm: 'systemd', parent_exe: '/usr/lib/systemd/systemd', parent_cmdline: '/sbin/init',
};

/** The verdict of the query on the row, after checking both compilers agree. */
function matches(query: string | string[], row: FieldBag): boolean {
  const fast = compileQuery(query).predicate(row);
  const list = typeof query === 'string' ? [query] : query;
  const reference = list.every((q) => compileNode(parseQuery(q))(row));
  assert.equal(fast, reference, `generated and reference predicates disagree on ${JSON.stringify(query)}`);
  return fast;
}

function check(row: FieldBag, cases: Array<[string, boolean]>): void {
  for (const [query, expected] of cases) assert.equal(matches(query, row), expected, query);
}

describe('numeric fields', () => {
  it('every operator compares the row value with the integer, at and around the boundary', () => {
    check(commandRow(), [
      ['pid=100', true], ['pid=101', false], ['pid!=100', false], ['pid!=101', true],
      ['pid>99', true], ['pid>100', false], ['pid>=100', true], ['pid>=101', false],
      ['pid<101', true], ['pid<100', false], ['pid<=100', true], ['pid<=99', false],
      ['pid=0100', true], ['pid>-1', true], ['pid<-1', false], ['uid=1000', true], ['tty_nr=34819', true],
    ]);
  });
  it('a number field the row lacks fails every operator but !=', () => {
    const row = commandRow({ auid: undefined });
    delete (row as Record<string, unknown>)['auid'];
    check(row, [['auid=1000', false], ['auid!=1000', true], ['auid>0', false], ['auid>=0', false], ['auid<9', false], ['auid<=9', false]]);
  });
  it('a value of another type in the row is not a number', () => {
    check(commandRow({ pid: '100' }), [['pid=100', false], ['pid>1', false], ['pid!=100', true]]);
  });
});

describe('timestamps', () => {
  const row = commandRow();
  it('compares instants to the nanosecond whatever the offsets of the row and the query', () => {
    check(row, [
      ['timestamp=2026-11-22T15:04:05.123456789+09:00', true],
      ['timestamp=2026-11-22T06:04:05.123456789Z', true],
      ['timestamp=2026-11-22T01:04:05.123456789-05:00', true],
      ['timestamp=2026-11-22T11:34:05.123456789+05:30', true],
      ['timestamp=2026-11-22T06:04:05.123456790Z', false],
      ['timestamp<2026-11-22T06:04:05.123456790Z', true],
      ['timestamp<=2026-11-22T06:04:05.123456789Z', true],
      ['timestamp>2026-11-22T06:04:05.123456788Z', true],
      ['timestamp>2026-11-22T06:04:05.123456789Z', false],
      ['timestamp>=2026-11-22T06:04:05.123456789Z', true],
      ['timestamp!=2026-11-22T06:04:05.123456789Z', false],
      ['timestamp!=2026-11-22T06:04:05Z', true],
    ]);
  });
  it('accepts query values without a fraction or with a short one', () => {
    check(row, [
      ['timestamp>2026-11-22T15:04:05+09:00', true],
      ['timestamp<2026-11-22T15:04:06+09:00', true],
      ['timestamp>2026-11-22T06:04:05.2Z', false],
      ['timestamp>2026-11-22T06:04:05.1Z', true],
      ['timestamp>=2026-11-23T00:00:00+09:00', false],
      ['timestamp>=2026-11-22T00:00:00+09:00', true],
    ]);
  });
  it('orders rows written in different offsets, in any order, as instants', () => {
    // Same instant written three ways, interleaved so the per-offset cache switches back and forth.
    const rows = [
      commandRow({ timestamp: '2026-11-22T15:04:05.000000000+09:00' }),
      commandRow({ timestamp: '2026-11-22T06:04:05.000000000+00:00' }),
      commandRow({ timestamp: '2026-11-22T01:04:05.000000000-05:00' }),
      commandRow({ timestamp: '2026-11-22T06:04:05Z' }),
      commandRow({ timestamp: '2026-11-22T06:04:05.5z' }),
    ];
    for (let round = 0; round < 3; round++) {
      for (const r of rows.slice(0, 4)) {
        check(r, [
          ['timestamp=2026-11-22T06:04:05Z', true],
          ['timestamp>2026-11-22T06:04:04.999999999Z', true],
          ['timestamp<2026-11-22T15:04:05.000000001+09:00', true],
          ['timestamp>2026-11-22T15:04:05+09:00', false],
        ]);
      }
      check(rows[4]!, [['timestamp>2026-11-22T06:04:05.499999999Z', true], ['timestamp=2026-11-22T15:04:05.5+09:00', true]]);
    }
  });
  it('a timestamp the row lacks or cannot be read fails every operator but !=', () => {
    // (Text in precd's exact layout is compared as text, see timestampComparator; these are not.)
    for (const bad of [undefined, 'yesterday', '2026-13-22T15:04:05+09:00', '2026-02-30T15:04:05.1Z', '2026-11-22 15:04:05.123456789+09:00', 12345]) {
      const r = commandRow({ timestamp: bad });
      check(r, [['timestamp=2026-11-22T06:04:05Z', false], ['timestamp>2000-01-01T00:00:00Z', false], ['timestamp<2999-01-01T00:00:00Z', false], ['timestamp!=2026-11-22T06:04:05Z', true]]);
    }
  });
  it('end_timestamp is end-only: only finalized rows match', () => {
    check(finalized(), [['end_timestamp>2026-11-22T15:04:08+09:00', true], ['end_timestamp!=2000-01-01T00:00:00Z', true]]);
    check(commandRow(), [['end_timestamp>2000-01-01T00:00:00Z', false], ['end_timestamp!=2000-01-01T00:00:00Z', false]]);
  });
});

describe('durations', () => {
  it('compares the whole seconds the row prints (3.5 s is 00:00:03) with YYYY-MM-DD HH:MM:SS', () => {
    check(finalized(), [
      ['duration>0000-00-00 00:00:03', false], ['duration<0000-00-00 00:00:04', true],
      ['duration=0000-00-00 00:00:03', true], ['duration!=0000-00-00 00:00:03', false],
      ['duration>=0000-00-00 00:00:04', false], ['duration<=0000-00-00 00:00:03', true],
      ['duration>=0000-00-00 00:00:03', true], ['duration<0000-00-00 00:00:03', false], ['duration>0000-00-00 00:00:02', true],
    ]);
    check(finalized({ duration_ns: 600 * NS }), [['duration>=0000-00-00 00:10:00', true], ['duration=0000-00-00 00:10:00', true], ['duration>0000-00-00 00:10:00', false]]);
  });
  it('matches a row by the duration it is shown with, every operator, while duration_ns stays exact', () => {
    // 1.999999999 s prints as 0000-00-00 00:00:01.
    const row = finalized({ duration_ns: 1_999_999_999 });
    assert.equal(formatDuration(1_999_999_999), '0000-00-00 00:00:01');
    check(row, [
      ['duration=0000-00-00 00:00:01', true], ['duration!=0000-00-00 00:00:01', false],
      ['duration>0000-00-00 00:00:01', false], ['duration>=0000-00-00 00:00:01', true],
      ['duration<0000-00-00 00:00:01', false], ['duration<=0000-00-00 00:00:01', true],
      ['duration<0000-00-00 00:00:02', true], ['duration=0000-00-00 00:00:02', false], ['duration>0000-00-00 00:00:00', true],
      ['duration_ns=1999999999', true], ['duration_ns>1000000000', true], ['duration_ns<2000000000', true],
    ]);
    // Under a second is 00:00:00; exactly a second is 00:00:01.
    check(finalized({ duration_ns: 999_999_999 }), [['duration=0000-00-00 00:00:00', true], ['duration<0000-00-00 00:00:01', true]]);
    check(finalized({ duration_ns: NS }), [['duration=0000-00-00 00:00:01', true], ['duration>0000-00-00 00:00:00', true]]);
    // The printed form of any duration matches it with `=`, and nothing one second either side does.
    for (const ns of [0, 1, 59_999_999_999, 3_600_000_000_001, 365 * 86_400 * NS + 5]) {
      const shown = formatDuration(ns);
      check(finalized({ duration_ns: ns }), [[`duration=${shown}`, true], [`duration>${shown}`, false], [`duration<${shown}`, false]]);
    }
  });
  it('counts a year as 365 days and a month as 30 days', () => {
    const day = 86_400 * NS;
    check(finalized({ duration_ns: 365 * day }), [
      ['duration=0001-00-00 00:00:00', true], ['duration=0000-12-05 00:00:00', true], ['duration=0000-12-00 00:00:00', false],
    ]);
    check(finalized({ duration_ns: 30 * day }), [['duration=0000-01-00 00:00:00', true], ['duration=0000-00-30 00:00:00', true], ['duration=0000-00-31 00:00:00', false]]);
    check(finalized({ duration_ns: 90 * 60 * NS }), [['duration=0000-00-00 00:90:00', true], ['duration=0000-00-00 01:30:00', true]]);
  });
  it('uses the printed duration when the row has no duration_ns', () => {
    const row = finalized({ duration: '0000-00-00 00:00:07' });
    delete (row as Record<string, unknown>)['duration_ns'];
    check(row, [['duration=0000-00-00 00:00:07', true], ['duration>0000-00-00 00:00:06', true], ['duration_ns>0', false], ['duration_ns!=0', true]]);
  });
});

describe('end-only fields', () => {
  it('never match a command still running, whatever the operator', () => {
    for (const q of ['exit_status!=0', 'exit_status=0', 'exit_status>=0', 'duration<9999-00-00 00:00:00', 'duration!=0000-00-00 00:00:00',
      'duration_ns>=0', 'duration_ns!=1', 'signal!=SIGKILL', 'signal!~=KILL', 'exec_replaced!=true', 'end_timestamp!=2026-11-22T06:04:05Z']) {
      assert.equal(matches(q, commandRow()), false, q);
      assert.equal(matches(q, failRow), false, `${q} on a fail row`);
    }
  });
  it('match finalized commands with the usual rules, missing keys included', () => {
    check(finalized({ exit_status: 1 }), [['exit_status!=0', true], ['exit_status=1', true], ['exit_status>0', true]]);
    check(finalized(), [['exit_status!=0', false], ['exit_status=0', true], ['signal!=SIGKILL', true], ['signal=SIGKILL', false], ['signal~=KILL', false]]);
    check(finalized({ exit_status: 137, signal: 'SIGKILL' }), [['signal=SIGKILL', true], ['signal~=KILL', true], ['exit_status=137', true]]);
    const replaced = finalized({ exec_replaced: true });
    delete (replaced as Record<string, unknown>)['exit_status'];
    check(replaced, [['exec_replaced=true', true], ['exit_status=0', false], ['exit_status!=0', true], ['exec_replaced!=true', false]]);
  });
  it('negation is plain boolean negation of the condition', () => {
    check(commandRow(), [['!exit_status=0', true], ['!(exit_status!=0)', true]]);
    check(finalized(), [['!exit_status=0', false]]);
  });
  it('isFinalized tells finalized rows by their end_timestamp', () => {
    assert.equal(isFinalized(finalized()), true);
    assert.equal(isFinalized(commandRow()), false);
    assert.equal(isFinalized(failRow), false);
  });
});

describe('string fields', () => {
  it('= and != are exact and case-sensitive; ~= and !~= test substrings', () => {
    check(commandRow(), [
      ['user=alice', true], ['user=Alice', false], ['user=alic', false], ['user!=alice', false], ['user!=bob', true],
      ['user~=lic', true], ['user~=LIC', false], ['user!~=lic', false], ['user!~=bob', true],
      ['exe~=/usr/bin/', true], ['cwd=/home/alice/my dir', true], ['cwd~=my dir', true],
    ]);
  });
  it('a string field the row lacks matches only != and !~=', () => {
    const row = commandRow();
    delete (row as Record<string, unknown>)['tty'];
    check(row, [['tty=/dev/pts/3', false], ['tty~=pts', false], ['tty!=/dev/pts/3', true], ['tty!~=pts', true], ['container_id!=abc', true]]);
  });
  it('source and record_type compare like strings', () => {
    check(commandRow(), [['source=user', true], ['source=system', false], ['source!=system', true], ['record_type=command', true], ['record_type=start', false]]);
    check(failRow, [['record_type=fail', true], ['source=system', true]]);
  });
  it('an empty value matches the empty string; ~= "" matches any present text', () => {
    check(commandRow({ user: '' }), [['user=', true], ['user=""', true], ['user!=', false], ['group=', false], ['group~=', true], ['tty~=""', true]]);
  });
  it('unicode values compare as text', () => {
    check(commandRow({ user: 'ユーザー', cwd: '/home/josé/café ☕' }), [
      ['user=ユーザー', true], ['user~=ザ', true], ['cwd~=café ☕', true], ['cwd~="é/c"', true], ['cwd=/home/jose/café ☕', false],
    ]);
  });
});

describe('argv and command', () => {
  const row = commandRow();
  it('command is argv joined by single spaces, computed when the row has no command', () => {
    check(row, [
      ['command=sh -c id; uname -a', true], ['command="sh -c id; uname -a"', true], ['command=sh -c id;  uname -a', false],
      ['command~=c id', true], ['command~=uname', true], ['command~="-a"', true], ['command!~=uname', false], ['command!~=curl', true],
      ['command=sh', false], ['command=sh -c', false], ['command!=sh -c id; uname -a', false],
    ]);
  });
  it('argv matches its space-joined text the same way', () => {
    check(row, [['argv=sh -c id; uname -a', true], ['argv~=-c id', true], ['argv!~=-c id', false], ['argv!=sh', true], ['argv~=uname -a', true]]);
  });
  it('empty arguments count in the joined text', () => {
    check(commandRow({ argv: ['echo', '', 'x'] }), [['command=echo  x', true], ['command=echo x', false], ['command~="o  x"', true], ['argv=echo  x', true]]);
    check(commandRow({ argv: [] }), [['command=', true], ['command~=', true], ['command~=x', false], ['command!=', false]]);
  });
  it('a row carrying command text without argv is matched on that text', () => {
    const r = commandRow({ command: 'ls -la /tmp' });
    delete (r as Record<string, unknown>)['argv'];
    check(r, [['command=ls -la /tmp', true], ['command~=la /t', true], ['command!~=la', false], ['argv~=ls', false], ['argv!~=ls', true], ['argv!=x', true]]);
  });
  it('a row without argv or command fails every operator but != and !~=', () => {
    check(failRow, [['command=/nonexistent', true]]);
    const r = commandRow();
    delete (r as Record<string, unknown>)['argv'];
    check(r, [['command=x', false], ['command~=x', false], ['command!=x', true], ['command!~=x', true]]);
  });
  it('exec_tried, a string[] field of its own, is matched on its own values, not on argv', () => {
    const r = commandRow({ exe: '/usr/bin/id', argv: ['id'], exec_tried: ['/usr/local/sbin/id', '/usr/local/bin/id'] });
    check(r, [
      ['exec_tried~=/usr/local/sbin', true], ['exec_tried=/usr/local/sbin/id /usr/local/bin/id', true], ['exec_tried~=/usr/bin/id', false],
      ['exec_tried~=id', true], ['exec_tried!~=/opt', true], ['argv~=/usr/local', false],
    ]);
    check(commandRow(), [['exec_tried~=/usr', false], ['exec_tried!~=/usr', true]]);
  });
  it('values containing =, spaces, ! and ( are plain text', () => {
    check(commandRow({ argv: ['env', 'a=b', 'c'] }), [['command=env a=b c', true], ['command~=a=b c', true], ['command~=a=b c && user=alice', true]]);
    check(commandRow({ argv: ['echo', '!(x', '||', 'y)'] }), [['command="echo !(x || y)"', true], ['command~=!(x', true], ['command~="|| y)"', true]]);
  });
  it('quoted values carry &&, || and ) and the escapes \\" and \\\\', () => {
    check(commandRow({ argv: ['sh', '-c', 'a && b || (c)'] }), [['command="sh -c a && b || (c)"', true], ['command~="(c)"', true]]);
    check(commandRow({ argv: ['echo', 'say "hi"', 'C:\\dir'] }), [['command="echo say \\"hi\\" C:\\\\dir"', true], ['command~=C:\\dir', true], ['command~="\\"hi\\""', true]]);
  });
});

describe('booleans', () => {
  it('argv_truncated and exec_replaced take true or false with = and !=', () => {
    check(commandRow({ argv_truncated: true }), [['argv_truncated=true', true], ['argv_truncated=false', false], ['argv_truncated!=true', false], ['argv_truncated!=false', true]]);
    // Absent (the usual case) is a missing key: only != matches.
    check(commandRow(), [['argv_truncated=true', false], ['argv_truncated=false', false], ['argv_truncated!=true', true]]);
  });
});

describe('combinations', () => {
  const row = commandRow(); // user=alice, pid=100, uid=1000
  it('&& binds tighter than ||', () => {
    check(row, [
      ['user=alice || user=bob && pid=1', true], // alice || (bob && 1)
      ['(user=alice || user=bob) && pid=1', false],
      ['pid=1 && user=bob || uid=1000', true], // (1 && bob) || 1000
      ['pid=1 && (user=bob || uid=1000)', false],
      ['user=bob || pid=1 || uid=1000 && gid=1000', true],
      ['user=bob || pid=1 || uid=1000 && gid=1', false],
    ]);
  });
  it('! negates a condition or a group, and stacks', () => {
    check(row, [['!user=alice', false], ['!user=bob', true], ['!!user=alice', true], ['! ( user=bob || pid=1 )', true], ['!(user=alice && pid=100)', false],
      ['!user=bob && !pid=1', true], ['user=bob || !pid=1', true]]);
  });
  it('nested parentheses group as written', () => {
    check(row, [['((user=alice))', true], ['(user=bob || (pid=100 && (uid=1000 || uid=0))) && source=user', true], ['(user=bob || (pid=100 && (uid=1 || uid=0))) && source=user', false]]);
  });
  it('repeated queries are ANDed, each parsed on its own', () => {
    assert.equal(matches(['user=alice', 'pid=100'], row), true);
    assert.equal(matches(['user=alice', 'pid=101'], row), false);
    assert.equal(matches(['user=bob || pid=100', 'uid=1000 || uid=0'], row), true);
    assert.equal(matches(['user=bob || pid=100', 'uid=5'], row), false);
    // Not one query glued together: the second query's || does not escape into the first.
    assert.equal(matches(['user=bob', 'user=bob || pid=100'], row), false);
    assert.equal(compileQuery([]).predicate(row), true);
  });
});

describe('keys and needsEnd', () => {
  it('lists the fields named and says when the query needs end records', () => {
    const q = compileQuery(['user=root || !(pid>1 && command~=x)', 'uid=0']);
    assert.deepEqual([...q.keys].sort(), ['command', 'pid', 'uid', 'user']);
    assert.equal(q.needsEnd, false);
    for (const k of ['exit_status=0', 'duration>0000-00-00 00:00:01', 'duration_ns>1', 'signal=SIGKILL', 'exec_replaced=true', 'end_timestamp>2026-01-01T00:00:00Z']) {
      assert.equal(compileQuery(['user=root', `user=a || ${k}`]).needsEnd, true, k);
    }
  });
});

describe('without code generation', () => {
  it('falls back to the closures where new Function is disallowed, with the same verdicts', () => {
    const moduleUrl = new URL('../../src/query/index.js', import.meta.url).href;
    const script = `
      import { compileQuery } from ${JSON.stringify(moduleUrl)};
      const q = compileQuery('user=root && (pid>1 || command~="a b")');
      const rows = [{ user: 'root', pid: 5 }, { user: 'root', pid: 1, argv: ['a', 'b'] }, { user: 'x', pid: 9 }, { user: 'root', pid: 1 }];
      console.log(JSON.stringify({ generated: q.predicate.name === 'predicate', verdicts: rows.map(q.predicate) }));`;
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { generated: false, verdicts: [true, true, false, false] });
    // and the same query in this process uses the generated function
    assert.equal(compileQuery('user=root').predicate.name, 'predicate');
  });
});
