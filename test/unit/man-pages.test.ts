// The man pages (docs/man/*.md, issue 21 item 3) cannot drift from the programs: every flag of the
// real `--help` of each prec command, of precd and of prec-ship has its entry in the page, and the
// page has no entry for a flag that does not exist; likewise every key of precd's and prec-ship's
// config schema, with precd's defaults, and every field of the catalogue in prec(1)'s FIELDS. Then
// the pages are built with pandoc and rendered as lintian renders them: no groff warning.
//
// The pages' shape (the comment at the top of each page says it too): one `# SECTION` per command
// (bare prec's is OPTIONS, `prec hunt`'s is PREC HUNT, ...) or key list; in it, one definition-list
// entry per flag or key, whose term line starts with `**-` (a flag) or `**key**`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import { ROOT_COMMAND_ID } from '../../src/cli/commands.js';
import { CONFIG_KEYS, DEFAULT_CONFIG } from '../../src/daemon/config.js';
import { parseShipConfig, SINK_KEYS, TOP_KEYS } from '../../src/ship/config.js';
import { ROW_FIELDS } from '../../src/schema/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAN = join(ROOT, 'docs/man');

function page(name: string): string {
  return readFileSync(join(MAN, `${name}.md`), 'utf8');
}

/** The text of `# HEADING` up to the next `# ` heading; fails when the page has no such section. */
function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.indexOf(`# ${heading}`);
  assert.ok(start >= 0, `the page has a section "# ${heading}"`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('# '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Definition-list terms that start with `**` and the text of each entry up to the next term. */
function entries(text: string): Array<{ term: string; body: string }> {
  const out: Array<{ term: string; body: string }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('**')) out.push({ term: line, body: '' });
    else if (out.length > 0) out[out.length - 1]!.body += `${line}\n`;
  }
  return out;
}

/** The flags a section documents: every bold `-x` / `--name` of its flag terms. */
function pageFlags(text: string): string[] {
  const flags = entries(text)
    .filter((e) => e.term.startsWith('**-'))
    .flatMap((e) => [...e.term.matchAll(/\*\*(--?[A-Za-z][\w-]*)\*\*/g)].map((m) => m[1]!));
  return sorted(flags);
}

/**
 * The names a key list documents: the bold names of its terms before ` = ` or ` (`
 * (`**uid**, **gid** (number)`, `**user_only** = **true** | **false**`).
 */
function pageNames(text: string): string[] {
  return sorted(
    entries(text).flatMap((e) => [...e.term.split(/ = | \(/)[0]!.matchAll(/\*\*([a-z][a-z0-9_]*)\*\*/g)].map((m) => m[1]!)),
  );
}

function sorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'bin', bin), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
}

/** The flags oclif's help lists in its FLAGS section: `  -a, --all-logs`, `      --[no-]tree`. */
function oclifHelpFlags(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('FLAGS');
  assert.ok(start >= 0, `--help has a FLAGS section:\n${help}`);
  const flags: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next section
    // A flag line is indented 2 (with a short flag) or 6; wrapped descriptions are indented further.
    const m = /^ {2}(?:-(\w), | {4})--(\[no-\])?([\w-]+)/.exec(line);
    if (!m) continue;
    if (m[1]) flags.push(`-${m[1]}`);
    flags.push(`--${m[3]}`);
    if (m[2]) flags.push(`--no-${m[3]}`);
  }
  return sorted(flags);
}

/** Every `-x` / `--name` of a plain usage text (precd's and prec-ship's --help). */
function usageFlags(help: string): string[] {
  return sorted([...help.matchAll(/(?<![\w-])(--?[A-Za-z][\w-]*)/g)].map((m) => m[1]!));
}

test('prec(1) has a section for every prec command, with exactly the flags of its --help', async () => {
  const md = page('prec.1');
  const config = await Config.load(ROOT);
  const ids = config.commands.filter((c) => !c.hidden).map((c) => c.id);
  assert.ok(ids.includes(ROOT_COMMAND_ID) && ids.includes('hunt'), `commands: ${ids.join(', ')}`);
  for (const id of ids) {
    const bare = id === ROOT_COMMAND_ID;
    const name = bare ? 'prec' : `prec ${id.replace(/:/g, ' ')}`;
    const r = run('prec.js', bare ? ['--help'] : [...id.split(':'), '--help']);
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    const help = oclifHelpFlags(r.stdout);
    const documented = pageFlags(section(md, bare ? 'OPTIONS' : name.toUpperCase()));
    // --help is every command's (oclif's own), so a page may show it without the FLAGS list having it.
    assert.deepEqual(documented.filter((f) => f !== '--help'), help, `${name}: flags in prec(1) vs ${name} --help`);
  }
});

test('precd(8) and prec-ship(8) document exactly the flags of their --help', () => {
  for (const [man, bin] of [['precd.8', 'precd.js'], ['prec-ship.8', 'prec-ship.js']] as const) {
    const r = run(bin, ['--help']);
    assert.equal(r.status, 0, `${bin} --help: ${r.stderr}`);
    const help = usageFlags(r.stdout);
    assert.ok(help.includes('--config') && help.includes('--check-config'), `${bin} --help lists its flags: ${r.stdout}`);
    const documented = pageFlags(section(page(man), 'OPTIONS'));
    for (const f of help) assert.ok(documented.includes(f), `${man} documents ${f} (in ${bin} --help)`);
    // The usage text leaves out -h/--help: documented, they must really print it.
    for (const f of documented.filter((x) => !help.includes(x))) {
      assert.ok(f === '-h' || f === '--help', `${man} documents ${f}, which ${bin} --help does not list`);
      const h = run(bin, [f]);
      assert.equal(h.status, 0, `${bin} ${f}: ${h.stderr}`);
      assert.equal(h.stdout, r.stdout, `${bin} ${f} prints the usage`);
    }
  }
});

test('precd.conf(5) documents exactly the keys of the config schema, each with its default', () => {
  const keys = section(page('precd.conf.5'), 'KEYS');
  assert.deepEqual(pageNames(keys), sorted(CONFIG_KEYS));
  for (const { term, body } of entries(keys)) {
    const key = /^\*\*([a-z0-9_]+)\*\*/.exec(term)![1]! as keyof typeof DEFAULT_CONFIG;
    const value: unknown = DEFAULT_CONFIG[key];
    // The default as it is written in TOML: "string", 200, false, [].
    const literal = Array.isArray(value) ? JSON.stringify(value) : typeof value === 'string' ? JSON.stringify(value) : String(value);
    assert.ok(new RegExp(`(^|[^\\w.])${literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.])`).test(`${term}\n${body}`), `precd.conf(5): ${key} shows its default ${literal}`);
  }
});

test('ship.conf(5) documents exactly the keys of prec-ship\'s config schema, each with its default', () => {
  const md = page('ship.conf.5');
  const lists = {
    KEYS: TOP_KEYS,
    'CLICKHOUSE SINK': SINK_KEYS.clickhouse,
    'SYSLOG SINK': SINK_KEYS.syslog,
  };
  for (const [heading, known] of Object.entries(lists)) {
    assert.deepEqual(pageNames(section(md, heading)), sorted(known), `ship.conf(5) ${heading}`);
  }
  // The defaults prec-ship fills in for a minimal config, each shown in its key's entry.
  const c = parseShipConfig('[[sink]]\ntype = "clickhouse"\nurl = "http://127.0.0.1:8123"\n[[sink]]\ntype = "syslog"\naddress = "unix:///dev/log"\n', 'test');
  const ch = c.sink[0]!;
  const sl = c.sink[1]!;
  assert.ok(ch.type === 'clickhouse' && sl.type === 'syslog');
  const defaults: Array<[keyof typeof lists, string, unknown]> = [
    ['KEYS', 'log_path', c.log_path],
    ['KEYS', 'state_dir', c.state_dir],
    ['CLICKHOUSE SINK', 'table', ch.table],
    ['CLICKHOUSE SINK', 'batch_records', ch.batch_records],
    ['CLICKHOUSE SINK', 'batch_interval_ms', ch.batch_interval_ms],
    ['SYSLOG SINK', 'cee', sl.cee],
  ];
  for (const [heading, key, value] of defaults) {
    const e = entries(section(md, heading)).find((x) => x.term.startsWith(`**${key}**`))!;
    const literal = typeof value === 'string' ? JSON.stringify(value) : String(value);
    assert.ok(e.body.includes(`Default **${literal}**`), `ship.conf(5) ${key}: "Default **${literal}**" in ${e.body}`);
  }
});

test('prec(1) FIELDS lists exactly the fields of the catalogue', () => {
  assert.deepEqual(pageNames(section(page('prec.1'), 'FIELDS')), sorted(ROW_FIELDS));
});

const hasPandoc = spawnSync('pandoc', ['--version']).status === 0;
const hasMan = spawnSync('man', ['--version']).status === 0;

test('the pages build with pandoc and render without a groff warning, as lintian renders them', { skip: hasPandoc ? undefined : 'pandoc is not installed (packaging/setup.sh installs it)' }, () => {
  const out = mkdtempSync(join(tmpdir(), 'prec-man-'));
  try {
    const b = spawnSync('bash', [join(ROOT, 'packaging/build-man.sh'), out], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(b.status, 0, b.stderr);
    const sources = readdirSync(MAN).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
    assert.deepEqual(sources, ['prec-ship.8', 'prec.1', 'precd.8', 'precd.conf.5', 'ship.conf.5']);
    assert.deepEqual(readdirSync(out).sort(), sources, 'one page per source, nothing else');
    for (const name of sources) {
      const file = join(out, name);
      const [title, sectionNo] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
      const roff = readFileSync(file, 'utf8');
      assert.match(roff, new RegExp(`^\\.TH "${title.toUpperCase().replace(/\./g, '\\.')}" "${sectionNo}" "\\d{4}-\\d\\d-\\d\\d" "prec \\d`, 'm'), `${name}: .TH with its section, date and version`);
      // lintian's groff-message check, exactly: man-db with warnings on, its output thrown away.
      const r = hasMan
        ? spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANROFFSEQ: '', MANWIDTH: '80' } })
        : spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${name} renders without warnings`);
      // The NAME line whatis(1) and apropos(1) read (lintian's bad-whatis-entry).
      const whatis = spawnSync('lexgrog', [file], { encoding: 'utf8' });
      if (whatis.error === undefined) assert.match(whatis.stdout, new RegExp(`: "${title.replace(/\./g, '\\.')} - \\S`), `${name}: ${whatis.stdout}`);
      // Every flag of the page survives rendering as the ASCII the user types (no U+2010 hyphen).
      if (hasMan) {
        const text = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '' } }).stdout;
        const md = page(name);
        for (const f of pageFlags(md)) assert.ok(text.includes(f), `${name} rendered shows ${f}`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
