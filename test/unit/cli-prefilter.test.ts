// The query prefilter of prec's list mode: which texts a query lets it demand of a raw line, and
// which lines of a raw block the selector keeps (the lines it drops must be unable to change the
// output: equivalence on whole logs is in test/e2e/prec-cli-prefilter.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { necessaryNeedles, necessaryTexts } from '../../src/query/needles.js';
import { NeedleSelector, eventIdAt } from '../../src/log/needle-selector.js';
import { parseQuery } from '../../src/query/index.js';

const texts = (...queries: string[]): string[] | undefined => necessaryTexts(queries.map((q) => parseQuery(q)));

test('K=V on a string field demands the quoted value; K~=V the bare value', () => {
  assert.deepEqual(texts('user=nginx'), ['"nginx"']);
  assert.deepEqual(texts('user~=ngi'), ['ngi']);
  assert.deepEqual(texts('comm="php-fpm8.2"'), ['"php-fpm8.2"']);
  assert.deepEqual(texts('source=system'), ['"system"']);
  assert.deepEqual(texts('container_id~=abc'), ['abc']);
  // An empty value is still written `""`.
  assert.deepEqual(texts('user=""'), ['""']);
});

test('=-clauses carry their key, so the line test can insist on `"key" : "value"`', () => {
  assert.deepEqual(necessaryNeedles(parseQuery('user=nginx && user~=ngi')), [
    { text: '"nginx"', key: 'user' },
    { text: 'ngi' },
  ]);
});

test('argv and command give every space-free piece of the value, each within one argument', () => {
  assert.deepEqual(texts('argv~=base64'), ['base64']);
  assert.deepEqual(texts('argv~="base64 -d"'), ['base64', '-d']);
  assert.deepEqual(texts('command="curl  -s x.example"'), ['curl', '-s', 'x.example']);
  // Pieces with unsafe characters are left out, the others still count.
  assert.deepEqual(texts('command~="curl https://x.example/a"'), ['curl']);
  assert.equal(texts('argv!~=base64'), undefined);
  assert.equal(texts('command!=ls'), undefined);
});

test('AND chains and repeated queries add up; OR keeps only what every branch demands', () => {
  assert.deepEqual(texts('user=nginx && comm=sh'), ['"nginx"', '"sh"']);
  assert.deepEqual(texts('user=nginx', 'argv~=base64'), ['"nginx"', 'base64']);
  assert.equal(texts('user=nginx || user=root'), undefined);
  assert.deepEqual(texts('(user=nginx && comm=sh) || (comm=bash && user=nginx)'), ['"nginx"']);
  assert.equal(texts('user=nginx || record_type=loss'), undefined);
  assert.deepEqual(texts('user=nginx && (comm=sh || uid=0)'), ['"nginx"']);
});

test('NOT, !=, !~=, numbers and timestamps demand no text', () => {
  assert.equal(texts('!user=nginx'), undefined);
  assert.equal(texts('!(user=nginx && comm=sh)'), undefined);
  assert.equal(texts('user!=nginx'), undefined);
  assert.equal(texts('user!~=nginx'), undefined);
  assert.equal(texts('uid=33'), undefined);
  assert.equal(texts('uid>=1002 && uid<1004'), undefined);
  assert.equal(texts('timestamp>=2026-11-22T15:00:00+09:00'), undefined);
  assert.equal(texts('duration>=0000-00-00 00:00:01'), undefined);
});

test('values an encoder may escape demand nothing: slashes, non-ASCII, quotes, backslashes, <>&=', () => {
  assert.equal(texts('cwd=/tmp'), undefined);
  assert.equal(texts('exe~=/bin/sh'), undefined);
  assert.equal(texts('user=josé'), undefined);
  assert.equal(texts('argv~=naïve'), undefined);
  assert.equal(texts('comm="a\\"b"'), undefined);
  assert.equal(texts('comm="a\\\\b"'), undefined);
  assert.equal(texts('comm="a<b"'), undefined);
  assert.equal(texts('comm="a&b"'), undefined);
  assert.equal(texts('comm="a=b"'), undefined);
  assert.equal(texts("comm=it's"), undefined);
  assert.equal(texts('comm="a\tb"'), undefined);
});

test('numbers and timestamps give value needles for =, <, <=, >, >= (not !=, NOT, OR or end-only keys)', () => {
  const values = (q: string) => necessaryNeedles(parseQuery(q))?.filter((n) => !('text' in n)).map((n) => ('key' in n && 'read' in n ? `${n.key}:${n.read}` : ''));
  assert.deepEqual(values('uid>=1002 && uid<1004'), ['uid:number', 'uid:number']);
  assert.deepEqual(values('pid=5'), ['pid:number']);
  assert.deepEqual(values('timestamp>=2026-11-01'), ['timestamp:string']);
  assert.deepEqual(values('records>3'), ['records:number']);
  assert.equal(values('uid!=5'), undefined);
  assert.equal(values('!uid>5'), undefined);
  assert.equal(values('uid>5 || user=root'), undefined);
  assert.equal(values('exit_status>0'), undefined);
  assert.equal(values('duration_ns>5'), undefined);
  assert.equal(values('end_timestamp>2026-11-01'), undefined);
  assert.equal(values('duration>0000-00-00 00:00:01'), undefined);
});

test('a value needle tests the value under its key with the clause itself', () => {
  const [lo, hi] = necessaryNeedles(parseQuery('uid>=1002 && uid<1004'))! as { accepts: (v: number | string) => boolean }[];
  assert.deepEqual([1001, 1002, 1003, 1004].map((v) => lo!.accepts(v) && hi!.accepts(v)), [false, true, true, false]);
  const [t] = necessaryNeedles(parseQuery('timestamp>=2026-11-01T12:00:00+01:00'))! as { accepts: (v: number | string) => boolean }[];
  assert.equal(t!.accepts('2026-11-01T12:00:00.000000000+01:00'), true);
  assert.equal(t!.accepts('2026-11-01T11:59:59.999999999+01:00'), false);
  assert.equal(t!.accepts('2026-11-01T11:00:00Z'), true);
});

test('a regex demands the literal runs every match holds, cut where an encoder may escape', () => {
  assert.deepEqual(texts('command/="base64 +-d"'), ['base64', '-d']);
  assert.deepEqual(texts('exe/="^/usr/bin/(curl|wget)$"'), ['usr', 'bin']);
  assert.deepEqual(texts('user/=ngi.x'), ['ngi', 'x']);
  assert.equal(texts('user/="nginx|root"'), undefined);
  assert.equal(texts('user!/=nginx'), undefined);
  assert.equal(texts('user/="NGINX"i'), undefined);
  assert.equal(texts('user/="(?i)nginx"'), undefined);
});

test('the selector reads ranges from the bytes: spacing, duplicates, key names in strings, escapes', () => {
  const sel = (q: string) => new NeedleSelector(necessaryNeedles(parseQuery(q))!, false);
  const lines = [
    '{"timestamp":"t","uid":1002,"user":"a"}',
    '{"timestamp":"t","uid":33,"user":"b"}',
    '{"timestamp":"t","uid" :\t1003 ,"user":"c"}',
    // The key inside a string is escaped: not the key.
    '{"timestamp":"t","argv":["\\"uid\\":1002"],"uid":0}',
    // JSON.parse keeps the last of duplicate keys: any occurrence that passes keeps the line.
    '{"timestamp":"t","uid":5,"uid":1002}',
    // Not a plain integer: left to the parser.
    '{"timestamp":"t","uid":1.002e3}',
    // The key itself with escapes: left to the parser.
    '{"timestamp":"t","\\u0075id":1002}',
    '{"timestamp":"t","user":"no uid"}',
  ];
  assert.deepEqual(sel('uid>=1002 && uid<1004').select(block(...lines)), [lines[0], lines[2], lines[4], lines[5], lines[6]]);
  const ts = ['{"timestamp":"2026-11-01T12:30:00.000000000+01:00"}', '{"timestamp":"2026-11-01T14:30:00.000000000+01:00"}', '{"timestamp":"2026-11-01T12:30:00Z"}', '{"timestamp":"2026\\u002d11"}'];
  assert.deepEqual(sel('timestamp<2026-11-01T13:00:00+01:00').select(block(...ts)), [ts[0], ts[3]]);
  // With a text needle too: both must hold on the same line.
  assert.deepEqual(sel('user=a && uid>1000').select(block(...lines)), [lines[0]]);
});

test('end-only keys, record_type and key names demand nothing', () => {
  assert.equal(texts('exit_status!=0'), undefined);
  assert.equal(texts('signal=SIGKILL'), undefined);
  assert.equal(texts('end_timestamp>=2026-11-22T15:00:00+09:00'), undefined);
  // A row says `command` where its record says `start`.
  assert.equal(texts('record_type=command'), undefined);
  assert.equal(texts('record_type=fail'), undefined);
  // The default filter of prec (source=user): "user" is a key of every start record.
  assert.equal(texts('source=user'), undefined);
  assert.deepEqual(texts('user=nginx && exit_status=1'), ['"nginx"']);
});

const block = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'));
const START = (id: string, user: string, sep = ':'): string =>
  `{"timestamp"${sep}"2026-11-22T15:00:00.000000000+09:00","event_id"${sep}"${id}","user"${sep}"${user}","record_type"${sep}"start","argv"${sep}["x"]}`;
const END = (id: string, sep = ':'): string => `{"timestamp"${sep}"t","event_id"${sep}"${id}","record_type"${sep}"end","duration_ns"${sep}5}`;

test('the selector keeps lines with the value under its key, whatever the spacing, and drops the others', () => {
  const sel = new NeedleSelector(necessaryNeedles(parseQuery('user=nginx'))!, false);
  const lines = [
    START('r-1', 'nginx'),
    START('r-2', 'root'),
    START('r-3', 'nginx', ' : '),
    `{"group":"nginx","user":"www"}`,
    `{"argv":["echo","\\"user\\":\\"nginx\\""],"user":"bob"}`,
    `{"user":\t"nginx"}`,
    END('r-1'),
  ];
  assert.deepEqual(sel.select(block(...lines)), [lines[0], lines[2], lines[5]]);
});

test('the selector keeps lines that do not look like a record, so that they are still counted', () => {
  const sel = new NeedleSelector(necessaryNeedles(parseQuery('user=nginx'))!, false);
  const lines = ['garbage', START('r-1', 'root'), '', '  ', '{"cut":', '\ufeff' + START('r-2', 'root'), START('r-3', 'root') + '\r', '[1]'];
  // Blank lines are kept for the parser to ignore; a BOM or CR around an object still looks like one.
  assert.deepEqual(sel.select(block(...lines)), ['garbage', '  ', '{"cut":', '[1]']);
  // The documented approximation: broken JSON that looks like an object, without the value, is
  // dropped uncounted.
  assert.deepEqual(sel.select(block('{"user": oops}')), []);
});

test('with trackEnds the end of every kept start is kept, across blocks, and only those ends', () => {
  const sel = new NeedleSelector(necessaryNeedles(parseQuery('user=nginx'))!, true);
  assert.deepEqual(sel.select(block(START('r-1', 'nginx'), START('r-2', 'root'), END('r-2'))), [START('r-1', 'nginx')]);
  assert.deepEqual(sel.select(block(END('r-1', ' : '), END('r-2'))), [END('r-1', ' : ')]);
  // Once its end went by, the id is forgotten: a repeated end is dropped.
  assert.deepEqual(sel.select(block(END('r-1'))), []);
  // An id that cannot be read from the bytes (escapes) is left to the parser.
  sel.select(block(START('r-4', 'nginx')));
  const odd = '{"event_id":"r\\u002d9","record_type":"end"}';
  assert.deepEqual(sel.select(block(odd, END('r-5'))), [odd]);
});

test('without trackEnds no end line is kept for its start', () => {
  const sel = new NeedleSelector(necessaryNeedles(parseQuery('user=nginx'))!, false);
  assert.deepEqual(sel.select(block(START('r-1', 'nginx'), END('r-1'))), [START('r-1', 'nginx')]);
});

test('every needle must be in the same line', () => {
  const sel = new NeedleSelector(necessaryNeedles(parseQuery('user=nginx && argv~=base64'))!, false);
  const a = '{"user":"nginx","argv":["base64","-d"]}';
  const b = '{"user":"nginx","argv":["ls"]}';
  const c = '{"user":"root","argv":["base64"]}';
  assert.deepEqual(sel.select(block(b, c, a, b)), [a]);
});

test('eventIdAt reads the event_id key, not a value equal to its name, and tolerates blanks', () => {
  const read = (line: string): string | null | undefined => eventIdAt(Buffer.from(line), 0, Buffer.byteLength(line));
  assert.equal(read('{"event_id":"a-1"}'), 'a-1');
  assert.equal(read('{"event_id" :  "a-2","x":1}'), 'a-2');
  assert.equal(read('{"argv":["event_id"],"event_id":"a-3"}'), 'a-3');
  assert.equal(read('{"record_type":"loss"}'), undefined);
  assert.equal(read('{"event_id":"a\\"b"}'), null);
  assert.equal(read('{"event_id":7}'), null);
  assert.equal(read('{"event\\u005fid":"a-4"}'), null);
});
