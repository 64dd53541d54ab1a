// Shared by the seal end-to-end tests: running marked commands, and reading and rewriting a plain
// log's lines to tamper with copies of it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from './precd.js';

/** Runs `/bin/echo MARK-i` n times from one shell. */
export function commands(mark: string, n: number): void {
  const r = run('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/echo ${mark}-$i >/dev/null; i=$((i+1)); done`]);
  assert.equal(r.status, 0);
}

/** The lines of a plain log, without their newlines. */
export function lines(path: string): string[] {
  const l = readFileSync(path, 'utf8').split('\n');
  l.pop();
  return l;
}

/** Writes `ls` as a plain log, each line with its newline. */
export function write(path: string, ls: string[]): void {
  writeFileSync(path, ls.map((l) => `${l}\n`).join(''));
}

export const isSeal = (l: string): boolean => l.includes('"record_type":"seal"');
