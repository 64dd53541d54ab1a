// serialize() writes a bag with one JSON.stringify call, relying on the bag's keys being laid out in
// catalogue order from the start (newBag). Here it is held to the straightforward serializer,
// JSON.stringify(orderRecord(type, bag)) (catalogue order, absent keys left out), for records built
// from arbitrary kernel events: invalid UTF-8 and control characters in argv, huge argv against
// varied limits, cut paths, and every optional field absent or present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { recordKeys, type RecordType } from '../../src/schema/index.js';
import { CUT_PREFIX, type ExecEvent, type ExecFailEvent, type TaskContext } from '../../src/daemon/kernel/events.js';
import { endBag, failBag, lossBag, newBag, orderRecord, serialize, startBag, type Bag, type Enrichment } from '../../src/daemon/records.js';
import { ParentCmdlines } from '../../src/daemon/enrich/parents.js';
import type { UserNames } from '../../src/daemon/enrich/users.js';

const UNSET = 4294967295;
// Above the kernel's pid_max: no /proc entry can exist, so cut paths keep their kernel form.
const NO_SUCH_PID = 4_194_305;

/** The reference the fast path must match byte for byte. */
function straightforward(type: RecordType, bag: Bag): string {
  return JSON.stringify(orderRecord(type, bag));
}

function assertSame(type: RecordType, bag: Bag): void {
  const line = serialize(bag);
  assert.equal(line, straightforward(type, bag));
  const keys = Object.keys(JSON.parse(line) as object);
  const order = recordKeys(type);
  assert.deepEqual(keys, order.filter((k) => keys.includes(k)), 'catalogue key order');
}

// Strings an attacker controls: any code point, lone surrogates, quotes, backslashes, controls.
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\x00', '\x1b', '\x7f', '\u2028', '\ud800', '\udc00', '€', '\u{1F600}', 'a', '/'), maxLength: 30 }),
);
const path = fc.oneof(
  fc.array(nasty, { maxLength: 5 }).map((parts) => '/' + parts.join('/')),
  fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 }).map((parts) => CUT_PREFIX + parts.join('/')),
);
const CONTAINER = '0123456789abcdef'.repeat(4);
const cgroup = fc.oneof(path, fc.constant(`/system.slice/docker-${CONTAINER}.scope`), fc.constant('/'));
const optionalId = fc.oneof(fc.constant(UNSET), fc.nat({ max: UNSET - 1 }));
const tty = fc.oneof(fc.constant(''), fc.nat(40).map((n) => `pts/${n}`), fc.constant('tty1'));
const ttyNr = fc.oneof(fc.constant(0), fc.nat(0xfffff));

// Argument bytes: valid UTF-8 from strings (each NUL-terminated, empty ones included), arbitrary
// bytes (invalid UTF-8, missing final NUL), or a huge argv.
const args = fc.oneof(
  fc.array(nasty.map((s) => s.replaceAll('\0', '')), { maxLength: 8 }).map((a) => Buffer.from(a.map((s) => s + '\0').join(''))),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 3000 })).map(([n, len]) =>
    Buffer.from(Array.from({ length: n }, (_, i) => `${i}`.padEnd(len % (i + 2), 'é') + '\0').join('')),
  ),
);
const limits = fc.record({ maxArgs: fc.integer({ min: 1, max: 200 }), maxArgLength: fc.integer({ min: 1, max: 2000 }) });

const task: fc.Arbitrary<TaskContext> = fc.record({
  monoNs: fc.bigInt({ min: 0n, max: 1n << 62n }),
  pid: fc.constant(NO_SUCH_PID),
  tid: fc.constant(NO_SUCH_PID),
  ppid: fc.oneof(fc.constant(NO_SUCH_PID + 1), fc.constant(NO_SUCH_PID + 2)),
  uid: fc.nat(70000),
  gid: fc.nat(70000),
  euid: fc.nat(70000),
  egid: fc.nat(70000),
  auid: optionalId,
  sessionId: optionalId,
  comm: nasty,
  cwd: path,
  tty,
  ttyNr,
  parentComm: fc.oneof(nasty, fc.constant('bash')),
  parentExe: fc.oneof(path, fc.constant(''), fc.constant('/bin/sh')),
  parentTty: tty,
  parentTtyNr: ttyNr,
  cgroup,
});

const exec: fc.Arbitrary<ExecEvent> = fc
  .record({
    t: task, exe: fc.oneof(path, fc.constant('')), exeMemfd: fc.boolean(), exeDeleted: fc.boolean(),
    filename: nasty, args, argc: fc.nat(500), argsTruncated: fc.boolean(),
  })
  .map(({ t, ...e }) => ({ kind: 'exec', ...t, ...e }));

const fail: fc.Arbitrary<ExecFailEvent> = fc
  .record({
    t: task,
    exeMemfd: fc.boolean(),
    exeDeleted: fc.boolean(),
    filename: fc.oneof(nasty, path),
    args: fc.oneof(fc.constant(Buffer.alloc(0)), args),
    argc: fc.nat(500),
    argsTruncated: fc.boolean(),
    errno: fc.integer({ min: 1, max: 140 }),
    dirfd: fc.oneof(fc.constant(-100), fc.integer({ min: 3, max: 9 })),
    dirfdPath: fc.oneof(fc.constant(''), path),
  })
  .map(({ t, ...e }) => ({ kind: 'fail', ...t, ...e }));

function enrichment(maxArgs: number, maxArgLength: number, parents: ParentCmdlines): Enrichment {
  // Names without /etc/passwd or NSS: what is looked up is not what this test checks.
  const users = { user: (id: number) => (id % 3 === 0 ? 'root' : `u"ser\\${id}`), group: (id: number) => String(id) } as unknown as UserNames;
  return { users, parents, limits: { maxArgs, maxArgLength }, timestamp: (ns) => `2026-11-22T15:04:05.${String(ns % 1_000_000_000n).padStart(9, '0')}+09:00` };
}

test('start records: serialize() equals the straightforward serializer for any exec event', () => {
  fc.assert(
    fc.property(exec, limits, fc.option(fc.array(nasty, { maxLength: 4 })), fc.boolean(), (e, lim, parentArgv, withId) => {
      const parents = new ParentCmdlines(16, '/nonexistent');
      if (parentArgv) parents.remember(e.ppid, parentArgv);
      const bag = startBag(e, enrichment(lim.maxArgs, lim.maxArgLength, parents));
      if (withId) bag.event_id = '20261122150405-1';
      assertSame('start', bag);
    }),
    { numRuns: 500 },
  );
});

test('fail records: serialize() equals the straightforward serializer, with and without argv', () => {
  fc.assert(
    fc.property(fail, limits, (e, lim) => {
      const bag = failBag(e, enrichment(lim.maxArgs, lim.maxArgLength, new ParentCmdlines(16, '/nonexistent')));
      bag.event_id = '20261122150405-2';
      assertSame('fail', bag);
    }),
    { numRuns: 500 },
  );
});

test('end and loss records: serialize() equals the straightforward serializer', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(1n << 40n), max: 1n << 62n }),
      fc.oneof(fc.nat(0xffff).map((waitStatus) => ({ waitStatus })), fc.constant({ execReplaced: true as const })),
      fc.constantFrom('user', 'system'),
      (duration, how, source) => assertSame('end', endBag('2026-11-22T15:04:05.000000001+09:00', 'x-1', 7, source, duration, how)),
    ),
  );
  fc.assert(fc.property(fc.nat(), fc.nat(), (lost, total) => assertSame('loss', lossBag('2026-11-22T15:04:05.000000001Z', lost, total))));
});

test('a new bag serializes to {} and every bag holds exactly the keys of its record type, in catalogue order', () => {
  for (const type of ['start', 'end', 'fail', 'loss'] as const) {
    assert.equal(serialize(newBag(type)), '{}');
    assert.deepEqual(Object.keys(newBag(type)), recordKeys(type));
  }
});
