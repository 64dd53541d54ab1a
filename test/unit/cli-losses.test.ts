import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HiddenLosses } from '../../src/cli/losses.js';
import { NeedleSelector } from '../../src/log/needle-selector.js';
import { compileQuery, parseQuery } from '../../src/query/index.js';
import { necessaryNeedles } from '../../src/query/needles.js';

test('HiddenLosses counts only the loss rows the query rejects, with the sum of their lost_samples', () => {
  const h = new HiddenLosses(compileQuery(['auid=1000']).predicate);
  assert.equal(h.filter({ record_type: 'command', auid: 1000 }), true);
  assert.equal(h.filter({ record_type: 'command', auid: 0 }), false);
  assert.equal(h.filter({ record_type: 'loss', lost_samples: 1000 }), false);
  assert.equal(h.filter({ record_type: 'loss', lost_samples: 234 }), false);
  assert.equal(h.take(), "2 loss records (1234 events dropped) in the logs read are not shown by the query; add '|| record_type=loss' to see them");
  assert.equal(h.take(), undefined);
  const shown = new HiddenLosses(compileQuery(['auid=1000 || record_type=loss']).predicate);
  assert.equal(shown.filter({ record_type: 'loss', lost_samples: 3 }), true);
  assert.equal(shown.take(), undefined);
  h.filter({ record_type: 'loss', lost_samples: 1 });
  assert.equal(h.takeLive(), "a loss record (1 event dropped) arrived that the query does not show; add '|| record_type=loss' to see them");
});

test('the prefilter passes loss lines although they lack the needles, so that they are counted', () => {
  const needles = necessaryNeedles(parseQuery('user=alice'))!;
  assert.ok(needles.length > 0);
  const lines = [
    '{"timestamp":"2026-11-22T15:00:00+09:00","event_id":"a-1","user":"bob","record_type":"start"}',
    '{"timestamp":"2026-11-22T15:00:01+09:00","record_type":"loss","lost_samples":4,"lost_samples_total":4}',
    '{"timestamp":"2026-11-22T15:00:02+09:00","event_id":"a-2","user":"alice","record_type":"start"}',
    '{"timestamp":"2026-11-22T15:00:03+09:00","record_type":"loss","lost_samples":1,"lost_samples_total":5}',
  ];
  const kept = new NeedleSelector(needles, false).select(Buffer.from(lines.join('\n') + '\n'));
  assert.deepEqual(kept, [lines[1], lines[2], lines[3]]);
});
