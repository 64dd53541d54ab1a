// `prec --server --since/--until` against a real clickhouse-server 18.16: fixture records inserted as
// prec-ship inserts them; every view with a window prints what `prec -i LOG` prints with the same
// window. A bad time is the list's caret error, before any server is asked. The progress line shows
// on a terminal's stderr while the rows arrive, never on a pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ClickHouseCluster, clickhouseMissing } from '../helpers/clickhouse.js';
import { at, end, fail, line, loss, prec, PREC_BIN, start, tempDir, writePlain, type Rec } from './prec-cli-fixtures.js';
import { createTableSql, nextLogOrder, recordTimeNs, rowSuffix } from '../../src/schema/clickhouse.js';

const TABLE = 'default.prec';

function records(): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < 8; i++) {
    const s = start(i * 10, { argv: ['/bin/echo', `w${i}`], ...(i === 3 ? { source: 'system', tty: undefined, tty_nr: undefined } : {}) });
    out.push(s);
    // w5 ends after the window closes: its end still joins.
    out.push(end(s, i * 10 + (i === 5 ? 100 : 1), i === 2 ? { exit_status: 3 } : {}));
  }
  out.push(fail(25), loss(35, 2, 2));
  return out.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
}

test('prec --server with --since/--until prints what prec -i prints with the same window (ClickHouse 18.16)', { skip: clickhouseMissing(), timeout: 300_000 }, async () => {
  const cluster = await ClickHouseCluster.start(1);
  try {
    const server = cluster.servers[0]!;
    const recs = records();
    const log = writePlain(join(tempDir(), 'prec.log'), recs);
    await server.query(createTableSql(TABLE));
    // As prec-ship sends them: log_order numbers the records in log order (nextLogOrder).
    let order: bigint | undefined;
    const rows = recs.map((r) => {
      const l = line(r);
      const rec = JSON.parse(l) as Record<string, unknown>;
      order = nextLogOrder(order, recordTimeNs(rec));
      return `${l.slice(0, l.lastIndexOf('}'))},${rowSuffix(rec, 'testhost', order)}}`;
    });
    await server.query(`INSERT INTO ${TABLE} FORMAT JSONEachRow\n${rows.join('\n')}`);
    const srv = ['--server', server.url, '--table', TABLE];
    const win = ['--since', at(20), '--until', at(50)];
    const cases: string[][] = [
      [...win, '-A', '-o', 'json', '-f', 'all,-host'],
      [...win, '-f', 'timestamp,command,exit_status'],
      [...win, '-A', '-q', 'exit_status!=0 || record_type=fail', '-o', 'json'],
      [...win, '-A', '-n', '2', '-f', 'command'],
      ['--since', at(30), '-A', '-f', 'command,end_timestamp'],
      ['--until', at(19), '-A', '-o', 'csv'],
      [...win, '-A', '--tree', '-f', 'command'],
      ['--since', at(80), '-A'],
    ];
    let nonEmpty = 0;
    for (const args of cases) {
      const local = prec(['-i', log, ...args]);
      const remote = prec([...srv, ...args]);
      assert.equal(local.status, 0, `local ${args.join(' ')}: ${local.stderr}`);
      assert.equal(remote.status, 0, `server ${args.join(' ')}: ${remote.stderr}`);
      assert.equal(remote.stdout, local.stdout, args.join(' '));
      assert.equal(remote.stderr, local.stderr, `stderr of ${args.join(' ')}`);
      if (local.stdout !== '') nonEmpty++;
    }
    assert.equal(nonEmpty, cases.length - 1);
    // The window really narrows: w2..w5 (and the fail and the loss) only.
    const cmds = prec([...srv, ...win, '-A', '-q', 'record_type=command', '-f', 'command']).stdout;
    assert.equal(cmds, '/bin/echo w2\n/bin/echo w3\n/bin/echo w4\n/bin/echo w5\n');
    // A bad time: the list's error with a caret, exit 1, whatever the server.
    const bad = prec([...srv, '--until', '2026-11-2x']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^prec: bad --until: expected a date .*\(column 10\)\n {2}2026-11-2x\n {11}\^\n$/);

    // Progress: on a terminal's stderr (script gives prec one; stdout to /dev/null), never on a pipe.
    const env = { ...process.env, PREC_PROGRESS_AFTER_MS: '0' };
    const tty = spawnSync('script', ['-qec', `"${process.execPath}" "${PREC_BIN}" --server ${server.url} --table ${TABLE} -A > /dev/null`, '/dev/null'], { encoding: 'utf8', env });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /prec: querying server: [\d,]+ rows received/);
    assert.ok(tty.stdout.endsWith('\r\x1b[K'), JSON.stringify(tty.stdout.slice(-40)));
    const piped = prec([...srv, '-A'], { env });
    assert.equal(piped.status, 0);
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout.split('\n').length, 11, 'eight commands, a fail and a loss');
  } finally {
    await cluster.stop();
    cluster.cleanup();
  }
});
