// --since / --until: journalctl's time forms, the caret error, the row filter and the file skipping.
process.env.TZ = 'Asia/Tokyo'; // +09:00, no DST: local forms have one meaning here
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeFlag, parseWindow, TimeError, windowFilter } from '../../src/cli/window.js';
import { parseRelativeTime, parseSpan } from '../../src/schema/index.js';
import { filesInRange } from '../../src/rows/index.js';
import { errorText } from '../../src/cli/report.js';

const S = 1_000_000_000n;
// 2026-12-07 15:30:00 +09:00
const NOW = BigInt(Date.UTC(2026, 11, 7, 6, 30, 0)) * 1_000_000n;
const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
const t = (text: string): bigint => parseTimeFlag('--since', text, NOW);

test('absolute forms are local time unless an offset is given', () => {
  assert.equal(t('2026-12-01'), ns('2026-12-01T00:00:00+09:00'));
  assert.equal(t('2026-12-01 10:00'), ns('2026-12-01T10:00:00+09:00'));
  assert.equal(t('2026-12-01 10:00:05'), ns('2026-12-01T10:00:05+09:00'));
  assert.equal(t('2026-12-01T10:00:05'), ns('2026-12-01T10:00:05+09:00'));
  assert.equal(t('2026-12-01T10:00:05Z'), ns('2026-12-01T10:00:05Z'));
  assert.equal(t('2026-12-01T10:00:05.25-05:00'), ns('2026-12-01T15:00:05.250Z'));
  assert.equal(t('10:00'), ns('2026-12-07T10:00:00+09:00'));
});

test('keywords and relative forms count from now', () => {
  assert.equal(t('now'), NOW);
  assert.equal(t('today'), ns('2026-12-07T00:00:00+09:00'));
  assert.equal(t('yesterday'), ns('2026-12-06T00:00:00+09:00'));
  assert.equal(t('tomorrow'), ns('2026-12-08T00:00:00+09:00'));
  assert.equal(t('-1h'), NOW - 3600n * S);
  assert.equal(t('-30min'), NOW - 1800n * S);
  assert.equal(t('-2d'), NOW - 2n * 86_400n * S);
  assert.equal(t('+15s'), NOW + 15n * S);
  assert.equal(t('1 hour ago'), NOW - 3600n * S);
  assert.equal(t('2 days ago'), NOW - 2n * 86_400n * S);
  assert.equal(t('1h 30min ago'), NOW - 5400n * S);
  assert.equal(t('10 min left'), NOW + 600n * S);
  assert.equal(t('-1.5h'), NOW - 5400n * S);
  assert.equal(t('-55s500ms'), NOW - 55_500_000_000n);
  assert.equal(t('-1w'), NOW - 7n * 86_400n * S);
  assert.equal(t('@1700000000'), 1_700_000_000n * S);
});

test('spans take systemd.time(7) units, a month being 30.44 days and a year 365.25', () => {
  assert.equal(parseSpan('1M'), 2_630_016n * S);
  assert.equal(parseSpan('1y'), 31_557_600n * S);
  assert.equal(parseSpan('2 hours'), 7200n * S);
  assert.equal(parseSpan('48hr'), 48n * 3600n * S);
  assert.equal(parseSpan('300ms20s'), 20_300_000_000n);
  assert.equal(parseRelativeTime('2026-12-01', NOW), undefined);
});

test('a bad time is a TimeError with the value and a caret under the fault', () => {
  const bad = (text: string): TimeError => {
    try {
      t(text);
    } catch (err) {
      assert.ok(err instanceof TimeError, String(err));
      return err;
    }
    assert.fail(`${text} parsed`);
  };
  const unit = bad('-3 fortnights');
  assert.equal(unit.column, 4);
  assert.match(unit.format(), /^bad --since: unknown time unit "fortnights" .*\(column 4\)\n {2}-3 fortnights\n {5}\^$/);
  assert.equal(bad('2026-13-01').column, 1);
  assert.equal(bad('2026-12-01 10h00').column, 14);
  assert.equal(bad('tuesday').column, 1);
  assert.match(bad('3h').message, /needs a direction/);
  assert.match(errorText(bad('-1x')), /^bad --since: unknown time unit "x"/);
  assert.equal(errorText(bad('-1\x1b[2J')).includes('\x1b'), false);
});

test('the window: an empty one is an error, either end may be open', () => {
  assert.equal(parseWindow(undefined, undefined, NOW), undefined);
  assert.deepEqual(parseWindow('-1h', undefined, NOW), { since: NOW - 3600n * S });
  assert.deepEqual(parseWindow(undefined, 'now', NOW), { until: NOW });
  assert.throws(() => parseWindow('today', 'yesterday', NOW), /--since today is after --until yesterday/);
});

test('rows are in the window by their timestamp, both ends included, to the nanosecond', () => {
  const keep = windowFilter({ since: ns('2026-11-22T15:00:10+09:00'), until: ns('2026-11-22T15:00:20+09:00') + 5n });
  const at = (ts: string): boolean => keep({ timestamp: ts });
  assert.equal(at('2026-11-22T15:00:09.999999999+09:00'), false);
  assert.equal(at('2026-11-22T15:00:10.000000000+09:00'), true);
  assert.equal(at('2026-11-22T06:00:15Z'), true);
  assert.equal(at('2026-11-22T15:00:20.000000005+09:00'), true);
  assert.equal(at('2026-11-22T15:00:20.000000006+09:00'), false);
  assert.equal(keep({}), false);
});

test('files wholly outside the window are skipped; with keepEnds the first one after it is kept', () => {
  const day = 86_400n * S;
  const d0 = ns('2026-12-01T00:00:00+09:00');
  const files = [0, 1, 2, 3, 4].map((i) => ({ path: `f${i}`, first: d0 + BigInt(i) * day }));
  const range = { since: d0 + 2n * day + 3600n * S, until: d0 + 2n * day + 7200n * S };
  assert.deepEqual(filesInRange(files, range, false), ['f2']);
  assert.deepEqual(filesInRange(files, range, true), ['f2', 'f3']);
  assert.deepEqual(filesInRange(files, { since: range.since }, false), ['f2', 'f3', 'f4']);
  assert.deepEqual(filesInRange(files, { until: range.until }, false), ['f0', 'f1', 'f2']);
  // A file whose first record is unknown is never skipped for its own time.
  const unknown = files.map((f, i) => (i === 3 ? { path: f.path } : f));
  assert.deepEqual(filesInRange(unknown, range, false), ['f2', 'f3']);
});
