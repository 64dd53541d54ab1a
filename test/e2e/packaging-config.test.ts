// packaging/precd.conf.example, the /etc/prec/precd.conf the package installs: it documents every
// key precd knows with its real default, and the real precd accepts it as shipped and with every
// setting and example rule uncommented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { DEFAULT_CONFIG } from '../../src/daemon/defaults.js';
import { REPO_ROOT, runPrecdSync } from '../helpers/precd.js';

const EXAMPLE = join(REPO_ROOT, 'packaging', 'precd.conf.example');
const text = readFileSync(EXAMPLE, 'utf8');
const lines = text.split('\n');
const KEYS = Object.keys(DEFAULT_CONFIG);

// Convention of the file: prose comments are `# text`; a setting is `#key = value`; inside the
// example filter array, rules are `#    "+QUERY",` and the array closes with `#]`.
const SETTING = /^#([a-z_]+) = (.*)$/;
const uncommentAll = (t: string) =>
  t
    .split('\n')
    .map((l) => l.replace(/^#(?=[a-z_]+ = |\s+"[+-]|\])/, ''))
    .join('\n');

function checkConfig(content: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'precd-conf-'));
  try {
    const path = join(dir, 'precd.conf');
    writeFileSync(path, content);
    const r = runPrecdSync(['--check-config', '-c', path]);
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every key precd knows is shown once, commented out, with a comment explaining it', () => {
  const shown = lines.map((l, i) => ({ m: SETTING.exec(l), i })).filter((x) => x.m);
  const names = shown.map((x) => x.m![1]!);
  assert.deepEqual([...names].sort(), [...KEYS].sort(), 'the settings of the example are exactly precd keys');
  for (const { m, i } of shown) {
    assert.match(lines[i - 1] ?? '', /^# \S/, `the line above ${m![1]} explains it`);
  }
});

test('each shown value is precd default (filter: the default is stated, the value is an example)', () => {
  for (const l of lines) {
    const m = SETTING.exec(l);
    if (!m || m[1] === 'filter') continue;
    const value = (parse(`v = ${m[2]}`) as { v: unknown }).v;
    assert.deepEqual(value, DEFAULT_CONFIG[m[1] as keyof typeof DEFAULT_CONFIG], `${m[1]} default`);
  }
  assert.deepEqual(DEFAULT_CONFIG.filter, []);
  assert.match(text, /^# Filter rules, default \[\]/m);
});

test('precd --check-config accepts the example as shipped', () => {
  const r = checkConfig(text);
  assert.equal(r.status, 0, r.stderr);
});

test('precd --check-config accepts the example with every setting and example rule uncommented', () => {
  const all = uncommentAll(text);
  const parsed = parse(all) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), [...KEYS].sort(), 'uncommenting yields every key');
  for (const k of KEYS) if (k !== 'filter') assert.deepEqual(parsed[k], DEFAULT_CONFIG[k as keyof typeof DEFAULT_CONFIG], k);
  const rules = parsed.filter as string[];
  assert.ok(rules.length >= 3 && rules.every((r) => /^[+-]/.test(r)), `example rules: ${JSON.stringify(rules)}`);
  const r = checkConfig(all);
  assert.equal(r.status, 0, r.stderr);
});

test('the check is real: a misspelt key in an example rule is refused, naming the rule', () => {
  const broken = uncommentAll(text).replace('"+user=', '"+usr=');
  const r = checkConfig(broken);
  assert.equal(r.status, 1);
  // the error line naming the rule and column, then the rule with a caret under the column
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 3, `error, rule, caret: ${r.stderr}`);
  assert.match(lines[0]!, /filter\[0\] .*unknown field "usr".* at column 2$/);
  assert.match(lines[1]!, /^ {2}\+usr=/);
  assert.equal(lines[2], '   ^');
});
