// Property tests of the hunt's gates (src/hunt/gate.ts): on random command records built from the
// shipped rules' own texts (random case, JSON layouts precd does not write: blanks, escaped `/` and
// `<`, keys in another order), the line gate never drops a line some rule matches, and the row gate
// gives the same hits as testing every rule on every row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadRules, requirements, RuleSet, type SupportedRule } from '../../src/hunt/index.js';
import { parseRecord } from '../../src/log/record.js';
import { toRow } from '../../src/rows/index.js';

const RULES = loadRules().filter((r): r is SupportedRule => r.supported);
const GATED = new RuleSet(RULES);
process.env.PREC_NO_PREFILTER = '1';
const ALL = new RuleSet(RULES);
delete process.env.PREC_NO_PREFILTER;

/** Every text some rule requires (key and quote marks taken off), and a few of everyday commands. */
const TEXTS = [
  ...new Set(RULES.flatMap((r) => requirements(r.ast).flat()).map((t) => t.slice(t.indexOf('\u0001') + 1).replace(/[\u0000-\u0003]/g, ''))),
  'bash', 'sh', '-c', 'python3', 'python3.11', '/usr/bin/', '/bin/', '/tmp/', ' ', '|', '-i', 'x', 'a"b', 'a\\b', 'é',
].filter((t) => t !== '');

const text = fc
  .array(fc.tuple(fc.constantFrom(...TEXTS), fc.boolean()), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([t, upper]) => (upper ? t.toUpperCase() : t)).join(''));
const path = fc.tuple(fc.constantFrom('/usr/bin/', '/bin/', '/tmp/', '/dev/shm/', '', '/usr/sbin/'), text).map(([d, t]) => d + t);

const record = fc.record({
  exe: path,
  argv: fc.array(fc.oneof(text, path), { minLength: 0, maxLength: 5 }),
  user: fc.constantFrom('root', 'www-data', 'nginx', 'mysql', 'postgres', 'alice'),
  parent_exe: path,
  parent_cmdline: text,
  cwd: fc.constantFrom('/', '/tmp', '/var/www', '/root'),
  exe_deleted: fc.boolean(),
  exe_memfd: fc.boolean(),
});

/** The JSON layouts of a line: precd's, blanks after the separators, `/` and `<` escaped, keys reversed. */
function layout(rec: Record<string, unknown>, how: number): string {
  const entries = Object.entries(rec);
  const line = JSON.stringify(Object.fromEntries(how & 4 ? entries.reverse() : entries));
  let out = how & 1 ? line.replace(/":/g, '" : ').replace(/,"/g, ', "') : line;
  if (how & 2) out = out.replace(/\//g, '\\/').replace(/</g, '\\u003c');
  return out;
}

test('hunt gates: never drop a line a rule matches; a row meets the same rules with the row gate as without', () => {
  let hits = 0;
  fc.assert(
    fc.property(record, fc.integer({ min: 0, max: 7 }), (fields, how) => {
      const rec = { timestamp: '2026-11-22T15:04:05.000000001+09:00', event_id: '20261122150405-1', pid: 10, ppid: 1, uid: 0, record_type: 'start', ...fields };
      const line = layout(rec, how);
      const parsed = parseRecord(line);
      assert.ok(parsed, line);
      const expected = ALL.match(toRow(parsed));
      if (expected.length > 0) hits++;
      assert.deepEqual(GATED.match(toRow(parseRecord(line)!)), expected, line);
      const kept = GATED.selector()!.select(Buffer.from(line)).length === 1;
      assert.ok(kept || expected.length === 0, `dropped a line rules ${expected.map((i) => RULES[i]!.id).join(',')} match: ${line}`);
    }),
    { numRuns: 3000 },
  );
  assert.ok(hits > 300, `the records hit rules often enough to test the gates (${hits})`);
});

test('hunt gates: a case-sensitive rule (a regular expression) keeps its line, and only in its case', () => {
  const line = (argv: string[]): string =>
    JSON.stringify({ timestamp: '2026-11-22T15:04:05.000000001+09:00', event_id: '20261122150405-1', pid: 10, uid: 0, record_type: 'start', exe: '/usr/bin/pnscan', argv });
  const hit = line(['pnscan', '-W', '"41', '42', '43"', '10.0.0.1']);
  const expected = ALL.match(toRow(parseRecord(hit)!));
  assert.ok(expected.some((i) => RULES[i]!.id === '97de11cd-4b67-4abf-9a8b-1020e670aa9e'), 'the pnscan rule fires');
  assert.equal(GATED.selector()!.select(Buffer.from(hit)).length, 1);
  const lower = line(['pnscan', '-w', '"41', '42', '43"', '10.0.0.1']);
  assert.deepEqual(ALL.match(toRow(parseRecord(lower)!)), []);
  assert.equal(GATED.selector()!.select(Buffer.from(lower)).length, 0, '-w is not -W');
});
