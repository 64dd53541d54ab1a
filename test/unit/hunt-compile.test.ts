// The Sigma compiler (src/hunt): modifiers, wildcards, lists, conditions, unsupported rules and
// malformed ones, each checked on the query AST it prints as and on rows it must (not) match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAst, printQuery } from '../../src/query/index.js';
import { compileRuleText, literals, requirements, rawBasenamesDiffer, RuleError, RuleSet, type CompiledRule, type SupportedRule } from '../../src/hunt/index.js';

function rule(detection: string, extra = ''): string {
  return `title: T\nid: r1\nlevel: high\n${extra}logsource:\n  category: process_creation\n  product: linux\ndetection:\n${detection}\n`;
}
function compiled(detection: string): SupportedRule {
  const r = compileRuleText(rule(detection), 'r.yml');
  assert.equal(r.supported, true, r.supported ? '' : r.reason);
  return r as SupportedRule;
}
const q = (detection: string): string => printQuery(compiled(detection).ast);
const matches = (detection: string, row: Record<string, unknown>): boolean => compileAst([compiled(detection).ast]).predicate(row);
const cmd = (exe: string, ...argv: string[]): Record<string, unknown> => ({ record_type: 'command', exe, argv, user: 'alice' });

test('field mapping and position modifiers become text operators, caseless', () => {
  assert.equal(q('  sel:\n    Image|endswith: /bash\n  condition: sel'), 'exe$="/bash"i');
  assert.equal(q('  sel:\n    CommandLine|contains: x y\n  condition: sel'), 'command~="x y"i');
  assert.equal(q('  sel:\n    ParentImage|startswith: /usr\n  condition: sel'), 'parent_exe^="/usr"i');
  assert.equal(q('  sel:\n    CurrentDirectory: /tmp\n  condition: sel'), 'cwd="/tmp"i');
  assert.equal(q('  sel:\n    ParentCommandLine: a\n    User: root\n  condition: sel'), 'parent_cmdline="a"i && user="root"i');
  assert.equal(q('  sel:\n    ProcessId: 7\n    ParentProcessId: 1\n    LogonId: 0\n  condition: sel'), 'pid=7 && ppid=1 && auid=0');
  assert.equal(matches('  sel:\n    Image|endswith: /BASH\n  condition: sel', cmd('/usr/bin/bash')), true);
});

test('cased matches case-sensitively', () => {
  assert.equal(q('  sel:\n    CommandLine|contains|cased: X\n  condition: sel'), 'command~=X');
  assert.equal(matches('  sel:\n    CommandLine|contains|cased: X\n  condition: sel', cmd('/bin/x', 'x')), false);
  assert.equal(matches('  sel:\n    CommandLine|contains|cased: X\n  condition: sel', cmd('/bin/x', 'X')), true);
});

test('wildcards: leading/trailing * pick an operator, inner ones an anchored RE2 pattern; escapes stay literal', () => {
  assert.equal(q("  sel:\n    Image: '*/sh'\n  condition: sel"), 'exe$="/sh"i');
  assert.equal(q("  sel:\n    Image: '/tmp/*'\n  condition: sel"), 'exe^="/tmp/"i');
  assert.equal(q("  sel:\n    Image: '*x*'\n  condition: sel"), 'exe~="x"i');
  assert.equal(q("  sel:\n    Image: '/usr/*/p?thon'\n  condition: sel"), 'exe/="(?s)^/usr/.*/p.thon$"i');
  assert.equal(q("  sel:\n    CommandLine: 'a\\*b'\n  condition: sel"), 'command="a*b"i');
  assert.equal(matches("  sel:\n    Image: '/usr/*/P?THON'\n  condition: sel", cmd('/usr/bin/python')), true);
  assert.equal(matches("  sel:\n    Image: '/usr/*/p?thon'\n  condition: sel", cmd('/usr/bin/python3')), false);
  assert.equal(matches("  sel:\n    CommandLine: 'a.c'\n  condition: sel", cmd('/x', 'abc')), false);
});

test('lists OR, |all ANDs; a list of maps ORs the maps', () => {
  assert.equal(q('  sel:\n    Image|endswith:\n      - /a\n      - /b\n  condition: sel'), 'exe$="/a"i || exe$="/b"i');
  assert.equal(q('  sel:\n    CommandLine|contains|all:\n      - a\n      - b\n  condition: sel'), 'command~="a"i && command~="b"i');
  assert.equal(q('  sel:\n    - Image: /a\n    - User: b\n  condition: sel'), 'exe="/a"i || user="b"i');
});

test('re is case-sensitive RE2 unless re|i; exists and null', () => {
  assert.equal(q("  sel:\n    CommandLine|re: 'a.+b'\n  condition: sel"), 'command/=a.+b');
  assert.equal(q("  sel:\n    CommandLine|re|i: 'a'\n  condition: sel"), 'command/="a"i');
  assert.equal(q("  sel:\n    CommandLine|re|s|m: 'a'\n  condition: sel"), 'command/="(?sm)a"');
  assert.equal(matches("  sel:\n    CommandLine|re: 'A'\n  condition: sel", cmd('/x', 'a')), false);
  assert.equal(matches("  sel:\n    CommandLine|re|i: 'A'\n  condition: sel", cmd('/x', 'a')), true);
  assert.equal(matches('  sel:\n    CurrentDirectory|exists: true\n  condition: sel', cmd('/x')), false);
  assert.equal(matches('  sel:\n    CurrentDirectory|exists: false\n  condition: sel', cmd('/x')), true);
  assert.equal(matches('  sel:\n    LogonId|exists: true\n  condition: sel', { ...cmd('/x'), auid: 0 }), true);
  assert.equal(matches('  sel:\n    CurrentDirectory: null\n  condition: sel', { ...cmd('/x'), cwd: '/' }), false);
});

test('conditions: and/or/not, parentheses, 1 of / all of patterns and them', () => {
  const ids = '  a_1:\n    User: u1\n  a_2:\n    User: u2\n  b:\n    Image: /b\n  _c:\n    Image: /c\n';
  assert.equal(q(`${ids}  condition: 1 of a_* and not b`), '(user="u1"i || user="u2"i) && !exe="/b"i');
  assert.equal(q(`${ids}  condition: all of a_*`), 'user="u1"i && user="u2"i');
  assert.equal(q(`${ids}  condition: (a_1 or b) and _c`), '(user="u1"i || exe="/b"i) && exe="/c"i');
  assert.equal(q(`${ids}  condition: 1 of them`), 'user="u1"i || user="u2"i || exe="/b"i');
  assert.equal(q(`${ids}  condition: all of them`), 'user="u1"i && user="u2"i && exe="/b"i');
  assert.equal(q(`${ids}  condition: a_1 or a_2 and b`), 'user="u1"i || user="u2"i && exe="/b"i');
  assert.equal(q(`${ids}  condition: not not b`), '!!exe="/b"i');
});

function reason(text: string): string {
  const r: CompiledRule = compileRuleText(text, 'r.yml');
  assert.equal(r.supported, false);
  return (r as { reason: string }).reason;
}

test('unsupported rules say why and are never half-compiled', () => {
  assert.equal(reason(rule('  sel:\n    TargetFilename: x\n  condition: sel')), 'field TargetFilename is not recorded by prec');
  assert.equal(reason(rule('  sel:\n    CommandLine|windash: x\n  condition: sel')), 'modifier windash');
  assert.equal(reason(rule('  sel:\n    - evil\n  condition: sel')), 'keyword search (sel: values without a field)');
  assert.equal(reason(rule('  sel:\n    Image: x\n  condition: sel | count() > 5')), 'aggregation in condition');
  assert.equal(reason(rule('  sel:\n    Image: x\n  s2:\n    Image: y\n  condition: 2 of sel*')), '"2 of" (only 1 of and all of)');
  assert.match(reason(rule("  sel:\n    CommandLine|re: '(?=x)'\n  condition: sel")), /^regular expression RE2 cannot run/);
  assert.match(reason(rule('  sel:\n    ProcessId|contains: 1\n  condition: sel')), /^number field pid/);
  const win = rule('  sel:\n    Image: x\n  condition: sel').replace('product: linux', 'product: windows');
  assert.equal(reason(win), 'logsource product windows');
});

function error(text: string): RuleError {
  try {
    compileRuleText(text, 'bad.yml');
  } catch (e) {
    assert.ok(e instanceof RuleError, String(e));
    return e;
  }
  assert.fail('no error');
}

test('malformed rules: one error naming the file, the key and the line and column', () => {
  const e1 = error(rule('  sel:\n    Image: x\n  condition: sel and nope'));
  assert.equal(e1.message, 'bad rule bad.yml:10:14: detection.condition: no search identifier "nope"');
  const e2 = error('title: [unclosed\n');
  assert.match(e2.message, /^bad rule bad\.yml:\d+:\d+: /);
  const e3 = error(rule('  sel:\n    Image: x\n  condition: sel', '').replace('level: high', 'level: severe'));
  assert.equal(e3.message, 'bad rule bad.yml:3:8: level: must be one of critical, high, medium, low, informational');
  const e4 = error(rule('  sel: true\n  condition: sel'));
  assert.match(e4.message, /^bad rule bad\.yml:8:8: detection\.sel: /);
  assert.match(error(rule('  sel:\n    Image: x\n  condition: (sel')).message, /expected "\)"/);
  assert.match(error(rule('  sel:\n    Image:\n  condition: sel').replace('Image:\n', 'Image: {a: 1}\n')).message, /detection\.sel\.Image/);
});

test('prefilter literals: anchored runs, OR unions, NOT gives none, regex alternatives', () => {
  assert.deepEqual(literals(compiled('  sel:\n    Image|endswith: /bash\n  condition: sel').ast), ['/bash\u0003']);
  assert.deepEqual(literals(compiled('  sel:\n    CommandLine|contains: curl -s\n  condition: sel').ast), ['curl']);
  assert.equal(literals(compiled('  sel:\n    Image: /x\n  condition: not sel').ast), undefined);
  assert.deepEqual(literals(compiled("  sel:\n    CommandLine|re: '-(W|R)\\s'\n  condition: sel").ast), ['-W', '-R']);
  const set = new RuleSet([compiled('  sel:\n    Image|endswith: /bash\n  condition: sel')]);
  const lines = ['{"exe":"/usr/bin/BASH","argv":["bash"]}', '{"exe":"/usr/bin/bashful","argv":["x"]}', '{"exe":"\\/bin\\/bash"}', '{"exe":"/bin/\u00e9"}', 'not json'];
  assert.deepEqual(set.selector()!.select(Buffer.from(lines.join('\n'))), [lines[0], lines[2], lines[3], lines[4]]);
});

test('prefilter requirements: an AND needs every operand, so a line with only a broad text is dropped', () => {
  const r = compiled("  sel:\n    Image|endswith: /bash\n    CommandLine|contains: ' -int '\n  condition: sel");
  assert.deepEqual(requirements(r.ast), [['exe\u0001/bash\u0003'], ['argv\u0001-int']]);
  const set = new RuleSet([r]);
  const lines = ['{"exe":"/usr/bin/bash","argv":["bash","-int","x"]}', '{"exe":"/usr/bin/bash","argv":["bash","-c","x"]}', '{"exe":"/usr/bin/sh","argv":["sh","-int"]}'];
  assert.deepEqual(set.selector()!.select(Buffer.from(lines.join('\n'))), [lines[0]]);
  // An OR needs one of its operands' sets; NOT nothing; a stored boolean its key.
  const o = compiled('  a:\n    Image|endswith: /nc\n  b:\n    CommandLine|contains: socat\n  condition: a or b and not a');
  assert.deepEqual(requirements(o.ast), [['exe\u0001/nc\u0003', 'argv\u0001socat']]);
  assert.deepEqual(requirements(compiled('  sel:\n    exe_deleted: true\n  condition: sel').ast), [['exe_deleted\u0001true']]);
  // (A and B) or (A and C) needs A, and B or C.
  const ab = compiled("  a:\n    CommandLine|contains: '| bash '\n  b:\n    CommandLine|contains: '| sh '\n  condition: a or b");
  assert.deepEqual(requirements(ab.ast), [['argv\u0001bash', 'argv\u0001sh'], ['argv\u0001|']]);
  // The key matters: the text in another field's value does not count.
  const k = new RuleSet([compiled('  sel:\n    Image|endswith: /bash\n  condition: sel')]);
  const kl = ['{"exe":"/usr/bin/ls","parent_exe":"/usr/bin/bash"}', '{"parent_exe":"/usr/bin/ls", "exe" : "/usr/bin/bash"}', '{"argv":["/bin/bash"],"exe":"/x"}'];
  assert.deepEqual(k.selector()!.select(Buffer.from(kl.join('\n'))), [kl[1]]);
});

test('prefilter: argv0_mismatch lines are kept by the raw basename test, only when the basenames may differ', () => {
  const set = new RuleSet([compiled('  sel:\n    argv0_mismatch: true\n  condition: sel')]);
  const lines = [
    '{"exe":"/usr/bin/sleep","argv":["fakename","0"]}',
    '{"exe":"/usr/bin/sleep","argv":["/bin/sleep","0"]}',
    '{"exe":"/usr/bin/sleep","argv":[]}',
    '{"exe":"/usr/bin/sleep"}',
    '{"exe":"/usr/bin/sleep","argv":["a\\"b"]}',
    '{"exe": "/usr/bin/sleep", "argv": ["sleep"]}',
    '{"exe":"/usr/bin/sl","argv":["sleep"]}',
    '{"exe":"/usr/bin/sleep","argv":["sleepy"]}',
  ];
  assert.deepEqual(set.selector()!.select(Buffer.from(lines.join('\n'))), [lines[0], lines[4], lines[6], lines[7]]);
  const buf = Buffer.from(lines[1]!);
  assert.equal(rawBasenamesDiffer(buf, lines[1]!.indexOf('"/usr'), lines[1]!.indexOf('['), buf.length), false);
});

test('the rule set tests only rules with a literal in the row, and every rule on non-ASCII rows', () => {
  const set = new RuleSet([compiled('  sel:\n    CommandLine|contains: k\n  condition: sel'), compiled('  sel:\n    Image|endswith: /zz\n  condition: sel')]);
  assert.deepEqual(set.match(cmd('/bin/x', 'K')), [0]);
  // KELVIN SIGN lower-cases to "k": the row prefilter must not drop what the predicate matches.
  assert.deepEqual(set.match(cmd('/bin/x', '\u212a')), [0]);
  assert.deepEqual(set.match(cmd('/bin/ZZ', 'a')), [1]);
  assert.deepEqual(set.match(cmd('/bin/x', 'a')), []);
});
