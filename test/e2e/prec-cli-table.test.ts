// `-o table` on a large log: one continuous table (cli-table3 renders it in chunks), not a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { line, start, tempDir, PREC_BIN } from './prec-cli-fixtures.js';

test('-o table prints a 300,000-row log as one table with one header and continuous borders', () => {
  const dir = tempDir();
  const N = 300_000;
  const lines: string[] = [];
  // pid widens from 4 to 6 digits late in the log: every chunk must take the widths of all rows.
  for (let i = 0; i < N; i++) lines.push(line(start(i / 1000, { pid: i === N - 5 ? 123456 : 1000 + (i % 9000), argv: ['echo', String(i)] })));
  const log = join(dir, 'big.log');
  writeFileSync(log, lines.join('\n') + '\n');
  const outPath = join(dir, 'out.txt');
  const fd = openSync(outPath, 'w');
  const r = spawnSync(process.execPath, [PREC_BIN, '-i', log, '-A', '-n', '0', '-f', 'pid,command', '-o', 'table'], {
    stdio: ['ignore', fd, 'pipe'],
    encoding: 'utf8',
    timeout: 110_000,
  });
  closeSync(fd);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const out = readFileSync(outPath, 'utf8').split('\n');
  assert.equal(out.pop(), '');
  // top border, header, then each row preceded by a rule, then the bottom border
  assert.equal(out.length, 3 + 2 * N);
  assert.match(out[0]!, /^┌─+┬─+┐$/);
  assert.match(out[1]!, /^│ pid +│ command +│$/);
  assert.match(out.at(-1)!, /^└─+┴─+┘$/);
  const width = out[0]!.length;
  const rule = out[0]!.replace('┌', '├').replace('┬', '┼').replace('┐', '┤');
  for (let i = 0; i < N; i++) {
    assert.equal(out[2 + 2 * i], rule, `rule before row ${i}`);
    const cells = out[3 + 2 * i]!;
    assert.equal(cells.length, width, `row ${i} width`);
    assert.ok(cells.endsWith(` echo ${i} `.padEnd(cells.length - cells.lastIndexOf('│', cells.length - 2) - 2) + '│'), `row ${i}: ${cells}`);
  }
  assert.equal(out.filter((l) => l.includes('pid')).length, 1);
});
