// `prec --server` against a real clickhouse-server 18.16 (Debian's): real commands under real precd,
// their records inserted as prec-ship inserts them (read by its source, sent as its ClickHouse sink's
// lines: the generated DDL, JSONEachRow with host, time and log_order columns), then every query case
// through `prec --server -o json` and `prec -i LOG -o json`: the outputs must be equal, row for row
// (log order, late fail rows of PATH folding included). The same rows and SQL on current ClickHouse
// (chDB). The tree, -F polling, the one escaping function against the real parser, and the one-line
// errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Precd, marker, readLogText, recordsFor } from '../helpers/precd.js';
import { ClickHouseCluster, clickhouseMissing } from '../helpers/clickhouse.js';
import { PREC_BIN, end, fail, line, start, tempDir } from './prec-cli-fixtures.js';
import { createTableSql } from '../../src/schema/clickhouse.js';
import { readFromCursor, type Entry } from '../../src/ship/source.js';
import { ClickHouseSink, clickHouseLine } from '../../src/ship/sinks/clickhouse.js';
import { parseRecord } from '../../src/log/index.js';
import { quoteString, whereSql } from '../../src/query/sql.js';
import { selectRowsSql } from '../../src/query/sql-select.js';
import { compileAst, parseQuery } from '../../src/query/index.js';
import { END_ONLY_FIELDS } from '../../src/schema/index.js';
import { rowRecords } from '../../src/cli/server.js';
import { Session } from '../helpers/chdb.js';

const TABLE = 'default.prec';


/** The SELECT prec --server -A -q Q sends. */
function caseSql(q: string): string {
  const asts = q === '' ? [] : [parseQuery(q)];
  const keys = compileAst(asts).keys;
  return selectRowsSql({
    table: TABLE,
    where: asts.length === 0 ? undefined : `(${whereSql(asts[0]!)}) OR row_type = 'loss'`,
    whereBeforeJoin: ![...keys].some((k) => (END_ONLY_FIELDS as readonly string[]).includes(k)),
  });
}

function asRecords(jsonLines: string): unknown[] {
  return jsonLines.split('\n').filter((l) => l !== '').map((l) => rowRecords(JSON.parse(l) as Record<string, unknown>, true));
}

function prec(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [PREC_BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The query cases run both ways: every operator, caseless, absent keys, end-only, record_type, argv, command, duration, timestamps. */
function cases(mark: string, t0: string, t1: string): string[] {
  return [
    '', 'user=root', 'user!=root', 'user=nginx', 'uid=0', 'uid!=0', 'uid>0', 'uid>=0', 'uid<1', 'uid<=0', 'pid>1',
    'exit_status=0', 'exit_status!=0', 'exit_status>0', 'exit_status=3', 'signal=KILL', 'signal!=KILL', 'exec_replaced=true',
    'exec_replaced!=true', 'argv_truncated=true', 'argv_truncated!=true', 'tty~=pts', 'tty!~=pts', 'auid=0', 'auid!=0',
    `argv~=${mark}`, `argv!~=${mark}`, `command~="${mark}-q"`, `command^="/bin/sh -c"`, 'command$="exit 3"', 'command!^=/bin',
    `command="/bin/true ${mark}-a"`, `command!="/bin/true ${mark}-a"`, `argv="/bin/true ${mark}-a"`,
    'comm=true', 'comm!=true', 'comm^=sl', 'comm!^=sl', 'comm$=ep', 'comm!$=ep', 'comm/="^(true|false)$"', 'comm!/="^t"',
    'comm="TRUE"i', 'comm~="RU"i', 'comm^="SLE"i', 'comm$="EEP"i', 'comm/="^TR"i', 'comm!~="RU"i', 'exe~="Ü"i',
    `argv~="${mark}-ü"`, `argv~="'quote"`, 'argv~="back\\\\slash"',
    'record_type=command', 'record_type=fail', 'record_type!=command', 'record_type=loss', 'exec_errno=2', 'exec_error~=no such',
    'duration>=0000-00-00 00:00:01', 'duration<0000-00-00 00:00:01', 'duration=0000-00-00 00:00:00', 'duration!=0000-00-00 00:00:00',
    'duration_ns>500000000', `timestamp>=${t0}`, `timestamp<${t1}`, `end_timestamp>=${t0}`, `end_timestamp!=${t1}`,
    'event_id~=-', 'event_id!~=-', 'container_id~=a', 'container_id!~=a', 'source=user', 'source=system',
    'cwd=/', `!(argv~=${mark}) && comm=sleep`, 'exit_status!=0 || signal=KILL', '!(exit_status=0 || comm=true)',
    'user=root && exit_status!=0', 'parent_comm=bash && (comm=sh || comm=true)', 'argc>=3', 'gid=0 && egid=0 && euid=0',
  ];
}

/** The JSONEachRow lines prec-ship's ClickHouse sink sends for every record of `logPath` (from no cursor). */
async function shippedLines(logPath: string, host: string): Promise<string[]> {
  const entries: Entry[] = [];
  for await (const batch of readFromCursor({ logPath, follow: false, onWarning: (m) => assert.fail(m) })) entries.push(...batch);
  return entries.map((e) => clickHouseLine(e, host));
}

test('prec --server -o json equals prec -i LOG -o json on real precd records (ClickHouse 18.16 and chDB)', { skip: clickhouseMissing(), timeout: 1_800_000 }, async () => {
  const d = await Precd.start();
  const cluster = await ClickHouseCluster.start(1);
  try {
    const mark = marker();
    const t0 = new Date().toISOString();
    // A few hundred real commands: successes, failures, a signal, an exec chain, failed execs,
    // arguments with quotes, backslashes, newlines and non-ASCII.
    const script = [
      `for i in $(seq 1 60); do /bin/true ${mark}-a; /bin/false ${mark}-b; /bin/sh -c 'exit 3' ${mark}-q$i; done`,
      `/bin/sleep 1.2 ${mark}-long`,
      `/bin/sleep 30 ${mark}-killed & kill -9 $!; wait`,
      `/bin/sh -c 'exec env true ${mark}-exec'`,
      // A failed exec: its fail record is held up to 1 s for PATH folding (SPEC 6) and written after
      // rows with later timestamps; both views must show it at its place in the log.
      `/nonexistent/${mark}-c 2>/dev/null`,
      `/bin/echo ${mark}-ü "'quote" 'back\\slash' "new
line" >/dev/null`,
      'exit 0',
    ].join('\n');
    assert.equal(spawnSync('/bin/bash', ['-c', script]).status, 0);
    await d.waitForRecords((recs) => recordsFor(recs, mark).ends.length >= 180);
    const t1 = new Date().toISOString();
    await d.stop();
    const lines = readLogText(d.logPath).split('\n').filter((l) => l.startsWith('{'));
    // 180 commands' starts and ends at least (PATH searches no longer add fail records: precd folds them).
    assert.ok(lines.length >= 360, `${lines.length} records`);
    // The late fail row: written after the start of a command that began after it.
    const recs = lines.map((l) => JSON.parse(l) as { record_type: string; timestamp: string; argv?: string[] });
    const late = recs.findIndex((r) => r.record_type === 'fail' && r.argv?.[0] === `/nonexistent/${mark}-c`);
    assert.ok(late > 0, 'the failed exec has a fail record');
    assert.ok(recs.slice(0, late).some((r) => r.record_type === 'start' && Date.parse(r.timestamp) > Date.parse(recs[late]!.timestamp)),
      'the fail record is written after a later start (else this test would not tell log order from time order)');

    const server = cluster.servers[0]!;
    const query = server.query.bind(server);
    server.query = (sql: string): Promise<string> => query(sql, '?output_format_json_quote_64bit_integers=0');
    await server.query(createTableSql(TABLE));
    // As prec-ship sends them: the record's line with host, presence, time and log_order columns appended.
    const rows = await shippedLines(d.logPath, 'testhost');
    assert.equal(rows.length, lines.length);
    await server.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.join('\n')}`);
    // And once more (a replayed batch): FINAL must fold the copies.
    await server.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.slice(0, 100).join('\n')}`);

    const srv = ['--server', server.url, '--table', TABLE];
    let nonEmpty = 0;
    for (const q of cases(mark, t0, t1)) {
      if (process.env.PREC_TEST_VERBOSE) console.error(`case ${q}`);
      const qa = q === '' ? [] : ['-q', q];
      for (const extra of [['-A']]) {
        const args = [...extra, ...qa, '-o', 'json', '-f', 'all,-host'];
        const local = prec(['-i', d.logPath, ...args]);
        const remote = prec([...srv, ...args]);
        assert.equal(local.status, 0, `local ${q}: ${local.stderr}`);
        assert.equal(remote.status, 0, `server ${q}: ${remote.stderr}`);
        assert.equal(remote.stdout, local.stdout, `query ${JSON.stringify(q)} ${extra.join(' ')}`);
        assert.equal(remote.stderr, local.stderr, `stderr of ${JSON.stringify(q)}`);
        if (local.stdout !== '') nonEmpty++;
      }
    }
    // Most of the ~85 cases match something here (66 when written); a few cannot (user=nginx, ...).
    assert.ok(nonEmpty >= 60, `${nonEmpty} non-empty answers`);
    // host only when asked for.
    const withHost = prec([...srv, '-A', '-q', `argv~=${mark}-a`, '-n', '1', '-o', 'json', '-f', '+host']);
    assert.equal((JSON.parse(withHost.stdout) as { host: string }).host, 'testhost');
    assert.equal(prec([...srv, '--host', 'otherhost', '-A', '-o', 'json']).stdout, '');
    // Current ClickHouse (chDB 26.x, in process): the generated DDL, the same rows, the SQL of every
    // case; the records it answers, in order, must equal 18.16's (which equal local prec's, above).
    assert.ok(Session, 'the chdb dev dependency is installed (npm ci)');
    // 18.16's answers first, then chDB's (which block this process while they run).
    const qs = cases(mark, t0, t1);
    const answers: string[] = [];
    for (const q of qs) answers.push(await server.query(`${caseSql(q)}\nFORMAT JSONEachRow`));
    {
      const ch = new Session();
      try {
        ch.query(createTableSql(TABLE));
        ch.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.join('\n')}\n`);
        ch.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.slice(0, 100).join('\n')}\n`);
        let compared = 0;
        qs.forEach((q, i) => {
          const current = ch.query(`${caseSql(q)}\nSETTINGS output_format_json_quote_64bit_integers = 0\nFORMAT JSONEachRow`, 'JSONEachRow');
          assert.deepEqual(asRecords(current), asRecords(answers[i]!), `chDB: ${q}`);
          if (answers[i]!.trim() !== '') compared++;
        });
        assert.ok(compared >= 60, `${compared} non-empty answers compared with chDB`);
      } finally {
        ch.cleanup();
      }
    }
    // The text views too, and the tree: every row (exec chains, children under sh and bash), and the
    // rows of a query with their ancestors.
    const views = [
      ['-A', '-q', `argv~=${mark}`, '--tree', '-f', 'comm'], ['-A', '--tree', '-f', 'comm,pid,ppid,exit_status'],
      ['-A', '--tree', '-o', 'json', '-f', 'all,-host'], ['--tree', '-q', `argv~=${mark}-exec`, '-f', 'command'],
      ['-q', `argv~=${mark}`, '-o', 'csv', '-f', 'all,-host'], ['-n', '5'], ['-A', '-n', '7', '-o', 'json', '-f', 'all,-host'],
      // The default fields (no end read, only their columns fetched) and the sorting-key condition of a user.
      ['-A', '-q', 'user=root', '-o', 'json'], ['-A', '-q', `user=root && argv~=${mark}-q`, '-f', 'timestamp,command,exit_status,duration'],
      ['-A', '-q', 'user=root || user=nobody', '-n', '3', '-o', 'json'], ['-A', '-q', `argv~=${mark}-b`, '-o', 'csv'],
    ];
    for (const args of views) {
      const local = prec(['-i', d.logPath, ...args]);
      assert.equal(local.status, 0, local.stderr);
      // (`-n 5` alone shows source=user rows: none here, the commands had no terminal.)
      if (args[0] !== '-n') assert.notEqual(local.stdout, '', args.join(' '));
      assert.equal(prec([...srv, ...args]).stdout, local.stdout, args.join(' '));
    }
    assert.match(prec([...srv, '-A', '--tree', '-f', 'command']).stdout, new RegExp(`[├└]─ .*true ${mark}-exec`));
  } finally {
    await cluster.stop();
    cluster.cleanup();
    await d.cleanup();
  }
});

test('quoteString: every literal reaches ClickHouse 18.16 unchanged', { skip: clickhouseMissing(), timeout: 120_000 }, async () => {
  const cluster = await ClickHouseCluster.start(1);
  try {
    const server = cluster.servers[0]!;
    const texts = ["'; DROP TABLE x; --", "it's", 'back\\slash\\', '\\\'', 'nul\0byte', 'new\nline\r\ttab', '\x01\x1f\x7f', 'ünïcødé ☃ 𝄞', '', "''"];
    for (const t of texts) {
      const out = await server.query(`SELECT hex(${quoteString(t)}) FORMAT TabSeparated`);
      assert.equal(out.trim(), Buffer.from(t, 'utf8').toString('hex').toUpperCase(), JSON.stringify(t));
    }
  } finally {
    await cluster.stop();
    cluster.cleanup();
  }
});

test('prec --server errors are one line and exit 1', { skip: clickhouseMissing(), timeout: 120_000 }, async () => {
  const cluster = await ClickHouseCluster.start(1);
  try {
    const url = cluster.servers[0]!.url;
    const cases: [string[], RegExp][] = [
      [['--server', url, '--table', 'default.missing'], /^prec: server http:\/\/127\.0\.0\.1:\d+: .*missing.*doesn't exist/],
      [['--server', url.replace('http://', 'http://nobody:wrong@')], /^prec: server http:\/\/127\.0\.0\.1:\d+: .*(password|user|nobody)/i],
      [['--server', 'http://127.0.0.1:1'], /^prec: server http:\/\/127\.0\.0\.1:1: connection refused/],
      [['--server', 'not a url'], /^prec: --server: not a URL/],
      [['--server', url, '--table', 'a;b'], /^prec: --table: /],
    ];
    for (const [args, re] of cases) {
      const r = prec(args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
    // prec-ship's ClickHouse sink uses the same client and says the same line for the same fault
    // (it then retries with back-off instead of exiting).
    const line = '{"timestamp":"2026-11-22T15:04:05.000000001+09:00","record_type":"loss","lost_samples":1,"lost_samples_total":1}';
    const entry: Entry = { line, record: parseRecord(line)!, file: '', fileFirstNs: 0n, index: 1, logOrder: 1n };
    const faults: [string, string, string[]][] = [
      [url, 'default.missing', ['--server', url, '--table', 'default.missing']],
      [url.replace('http://', 'http://nobody:wrong@'), 'default.prec', ['--server', url.replace('http://', 'http://nobody:wrong@')]],
      ['http://127.0.0.1:1', 'default.prec', ['--server', 'http://127.0.0.1:1']],
    ];
    for (const [sinkUrl, table, args] of faults) {
      const sink = new ClickHouseSink({ type: 'clickhouse', url: sinkUrl, table, batch_records: 1, batch_interval_ms: 1 }, 'h');
      const said = await sink.send([entry]).then(() => 'sent', (e: Error) => e.message);
      await sink.close();
      const printed = prec(args).stderr.trimEnd().replace(/^prec: server http:\/\/127\.0\.0\.1:\d+: /, '');
      // The SELECT and the INSERT name the missing table alike; the rest is the same text.
      assert.equal(said.replace(/\.$/, ''), printed.replace(/\.$/, ''), sinkUrl);
    }
  } finally {
    await cluster.stop();
    cluster.cleanup();
  }
});

test('prec --server -F: the last N rows, then each row shipped later, per host in log order (a late fail row, a host behind another); SIGINT ends it with 0', { skip: clickhouseMissing(), timeout: 300_000 }, async () => {
  const cluster = await ClickHouseCluster.start(1);
  const dir = tempDir();
  const shipped = new Map<string, number>();
  /** Inserts what prec-ship on `host` would send of its log's records not sent yet. */
  const ship = async (host: string): Promise<void> => {
    const rows = await shippedLines(join(dir, `${host}.log`), host);
    await cluster.servers[0]!.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.slice(shipped.get(host) ?? 0).join('\n')}`);
    shipped.set(host, rows.length);
  };
  const write = (host: string, recs: Record<string, unknown>[]): void =>
    appendFileSync(join(dir, `${host}.log`), recs.map((r) => `${line(r)}\n`).join(''));
  let follow: ReturnType<typeof spawn> | undefined;
  let stdout = '';
  let stderr = '';
  try {
    await cluster.servers[0]!.query(createTableSql(TABLE));
    const a = start(1, { argv: ['true', 'old'] });
    const b = start(2, { argv: ['true', 'history'] });
    write('h1', [a, end(a, 1.5), b, end(b, 2.5)]);
    const z = start(0.5, { argv: ['true', 'h2-old'] });
    write('h2', [z, end(z, 0.6)]);
    await ship('h1');
    await ship('h2');
    follow = spawn(process.execPath, [PREC_BIN, '--server', cluster.servers[0]!.url, '-F', '-A', '-n', '1', '-o', 'json', '-f', 'host,command,record_type']);
    follow.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    follow.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => follow!.on('close', (code) => resolve(code)));
    const rows = (): string[] => stdout.split('\n').filter((l) => l !== '');
    /** Waits, generously (not a timing assertion), for `n` rows. */
    const waitRows = async (n: number): Promise<void> => {
      for (const until = Date.now() + 60_000; rows().length < n;) {
        if (Date.now() > until) assert.fail(`waited for ${n} rows, got:\n${stdout}\nstderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitRows(1);
    // Shipped later: a command, and a failed exec written after it though it happened before (PATH
    // folding holds a fail up to 1 s): polling by time would never show that one.
    const c = start(10, { argv: ['true', 'new'] });
    write('h1', [c, fail(9.5, { argv: ['./late'] }), end(c, 11)]);
    await ship('h1');
    await waitRows(3);
    // Then h2, which is behind h1 (its newest row is older than h1's): its row is shown all the same.
    const y = start(5, { argv: ['true', 'h2-behind'] });
    write('h2', [y, end(y, 5.5)]);
    await ship('h2');
    await waitRows(4);
    follow.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(rows().map((l) => JSON.parse(l) as unknown), [
      { host: 'h1', command: 'true history', record_type: 'command' },
      { host: 'h1', command: 'true new', record_type: 'command' },
      { host: 'h1', command: './late', record_type: 'fail' },
      { host: 'h2', command: 'true h2-behind', record_type: 'command' },
    ]);
    assert.equal(stderr, '');
  } finally {
    if (follow?.exitCode === null) follow.kill('SIGKILL');
    await cluster.stop();
    cluster.cleanup();
  }
});
