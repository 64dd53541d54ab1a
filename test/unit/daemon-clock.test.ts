// MonoClock.format() caches the formatted second and writes only the nine fraction digits per
// record; it must give exactly formatTimestamp() of the same instant, in any order of instants
// (bursts in one second, jumps back and forth, second boundaries), in zones with odd offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatTimestamp } from '../../src/schema/index.js';
import { MonoClock } from '../../src/daemon/clock.js';

const REAL_MS = Date.UTC(2026, 10, 22, 6, 4, 5, 123);
const MONO_AT_START = 5_000_000_000_000n; // 5000 s of uptime

const instant = fc.oneof(
  // near the start: many in the same second, and across its boundaries
  fc.bigInt({ min: MONO_AT_START - 2_000_000_000n, max: MONO_AT_START + 2_000_000_000n }),
  fc.bigInt({ min: 0n, max: 1n << 62n }),
  fc.constantFrom(MONO_AT_START - 123_500_000n, MONO_AT_START - 123_500_001n, MONO_AT_START + 876_499_999n),
);

for (const tz of ['UTC', 'Asia/Tokyo', 'America/St_Johns', 'Asia/Kathmandu']) {
  test(`format() equals formatTimestamp() of the same instant, in any order (TZ=${tz})`, (t) => {
    const saved = process.env.TZ;
    process.env.TZ = tz;
    t.after(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });
    const offsetMinutes = -new Date(REAL_MS).getTimezoneOffset();
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 50 }), (monos) => {
        const clock = new MonoClock(() => MONO_AT_START, () => REAL_MS);
        for (const m of monos) assert.equal(clock.format(m), formatTimestamp(clock.epochNs(m), offsetMinutes));
      }),
    );
  });
}

test('an instant before the epoch is formatted too (clock offset far off)', () => {
  const clock = new MonoClock(() => 10_000_000_000_000_000n, () => 1000);
  const m = 10n;
  assert.ok(clock.epochNs(m) < 0n);
  assert.equal(clock.format(m), formatTimestamp(clock.epochNs(m), -new Date(1000).getTimezoneOffset()));
});
