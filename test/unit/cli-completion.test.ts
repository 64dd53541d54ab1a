// Shell completion (src/cli/completion.ts), run by the real shells: bash's completion function called
// as `complete -F` calls it and, through a pseudo-terminal, by bash's readline itself on a typed line
// and TAB; zsh's function by zsh's completion system (compinit) on a typed line and TAB, in a zpty.
// Each asserts what the shell would offer: subcommands, flags, field names after -f (with +/- edits),
// field names at the start of a -q clause, closed values (source=), -o formats.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionSpec, writeCompletionFiles } from '../../src/cli/completion.js';
import { ROW_FIELDS } from '../../src/schema/fields.js';

const dir = mkdtempSync(join(tmpdir(), 'prec-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeCompletionFiles(dir);
const BASH_FILE = join(dir, 'prec.bash');

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const noZsh = has('zsh') ? undefined : 'zsh is not installed (packaging/setup.sh installs it)';

/**
 * COMPREPLY of _prec_complete for COMP_WORDS = words, the cursor in the last word. `readlineWord`
 * (bash's $2: the part of the last word readline replaces) is passed when given, as bash does.
 */
function bashComplete(words: string[], readlineWord?: string): string[] {
  const call = readlineWord === undefined ? '_prec_complete' : '_prec_complete prec "$RLWORD" "${COMP_WORDS[COMP_CWORD-1]}"';
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ${call}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'test', BASH_FILE, ...words], {
    encoding: 'utf8',
    env: { ...process.env, RLWORD: readlineWord ?? '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'no error from the script');
  return r.stdout.split('\n').filter(Boolean);
}

test('the scripts are valid bash and zsh, and zsh compiles the function', { skip: noZsh }, () => {
  assert.equal(spawnSync('bash', ['-n', BASH_FILE]).status, 0);
  const z = spawnSync('zsh', ['-fc', `zsh -n "$1" && zcompile -U "$1" && print ok`, 'x', join(dir, '_prec')], { encoding: 'utf8' });
  assert.equal(z.stdout.trim(), 'ok', z.stderr);
});

test('bash: subcommands first, then the flags of the command at hand', () => {
  assert.deepEqual(bashComplete(['prec', '']), ['hunt', 'verify', 'run', 'stats']);
  assert.deepEqual(bashComplete(['prec', 'st']), ['stats']);
  assert.deepEqual(bashComplete(['prec', '--fu']), ['--full-time']);
  assert.deepEqual(bashComplete(['prec', 'hunt', '--l']), ['--list-rules']);
  assert.deepEqual(bashComplete(['prec', 'hunt', '--f']), ['--follow'], "hunt's own flags: it has no --fields");
  assert.deepEqual(bashComplete(['prec', 'run', '--no-t']), ['--no-tree']);
  const bare = bashComplete(['prec', '-']);
  for (const f of ['-i', '--input', '-q', '--query', '-f', '--fields', '-o', '--since', '--server', '--version', '--help']) assert.ok(bare.includes(f), `${f} in ${bare.join(' ')}`);
  // Everything after `prec run --` is the command's, not prec's.
  assert.deepEqual(bashComplete(['prec', 'run', '--', '-']), []);
});

test('bash: field names after -f, with the +name/-name edits and "all"', () => {
  assert.deepEqual(bashComplete(['prec', '-f', 'ti']), ['timestamp']);
  assert.deepEqual(bashComplete(['prec', '-f', '']), ['all', ...ROW_FIELDS]);
  assert.deepEqual(bashComplete(['prec', '-f', '-time']), ['-timestamp']);
  assert.deepEqual(bashComplete(['prec', '-f', '+uid,exit']), ['+uid,exit_status']);
  assert.deepEqual(bashComplete(['prec', '-f', 'all,-lost']), ['all,-lost_samples', 'all,-lost_samples_total']);
  assert.deepEqual(bashComplete(['prec', '--fields', 'user,gr']), ['user,group']);
  assert.deepEqual(bashComplete(['prec', 'run', '-f', 'exit_s']), ['exit_status']);
  assert.deepEqual(bashComplete(['prec', '--fields=+ui']), ['--fields=+uid']);
  // As bash itself splits `--fields=+ui` (= is in COMP_WORDBREAKS): readline replaces "+ui" only.
  assert.deepEqual(bashComplete(['prec', '--fields', '=', '+ui'], '+ui'), ['+uid']);
});

test('bash: field names at the start of a -q clause, closed values after field=', () => {
  assert.deepEqual(bashComplete(['prec', '-q', '']), [...ROW_FIELDS]);
  assert.deepEqual(bashComplete(['prec', '-q', 'exit_s']), ['exit_status']);
  assert.deepEqual(bashComplete(['prec', '-q', 'user=x && exit_s']), ['user=x && exit_status']);
  assert.deepEqual(bashComplete(['prec', '-q', 'user=x || !(exit_s']), ['user=x || !(exit_status']);
  assert.deepEqual(bashComplete(['prec', '-q', 'source=s']), ['source=system']);
  assert.deepEqual(bashComplete(['prec', 'stats', '-q', 'record_type!=l']), ['record_type!=loss']);
  // Not at a clause start: a value of a free-text field has nothing to offer.
  assert.deepEqual(bashComplete(['prec', '-q', 'user=ro']), []);
  // Inside an open quote, as readline sees it: the word starts after the quote.
  assert.deepEqual(bashComplete(['prec', '-q', "'user=x && exit_s"], 'user=x && exit_s'), ['user=x && exit_status']);
  // bash splits an unquoted `source=s` at the =.
  assert.deepEqual(bashComplete(['prec', '-q', 'source', '=', 's'], 's'), ['system']);
  assert.deepEqual(bashComplete(['prec', '-q', 'source', '='], ''), ['user', 'system']);
});

test('bash: -o formats of the shared flag', () => {
  assert.deepEqual(bashComplete(['prec', '-o', '']), ['text', 'table', 'json', 'csv']);
  assert.deepEqual(bashComplete(['prec', 'run', '--output', 'c']), ['csv']);
});

/** zsh in a pseudo-terminal drives `shell` (bash or zsh) interactively; returns its output up to the end marker. */
function inPty(shell: string[], setup: string[], line: string): string {
  const driver = join(dir, `drive-${Math.random().toString(36).slice(2)}.zsh`);
  writeFileSync(
    driver,
    [
      'zmodload zsh/zpty',
      `zpty s ${shell.map((a) => `'${a}'`).join(' ')}`,
      ...setup.map((s) => `zpty -w s ${quoteZsh(s)}`),
      "zpty -w s 'echo READY-$((40+2))'",
      "zpty -r s out '*READY-42*'",
      // Type only once the line editor reads the terminal (it turns bracketed paste on): before
      // that the terminal is in cooked mode, where ^U would erase the typed line unseen.
      "zpty -r s out $'*\\e[[]?2004h*'",
      // TAB completes; ^U then clears the line (in order: ^C would be a signal racing the completion).
      `zpty -n -w s ${quoteZsh(`${line}\t\x15`)}`,
      "zpty -w s 'echo DONE-$((3+4))'",
      "zpty -r s out '*DONE-7*'",
      'print -r -- "$out"',
      'zpty -d s',
    ].join('\n'),
  );
  const r = spawnSync('zsh', ['-f', driver], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
  return r.stdout;
}

function quoteZsh(s: string): string {
  return `$'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\x15/g, '\\x15')}'`;
}

/** What bash's readline asks of _prec_complete for a typed line + TAB: COMP_WORDS-joined, $2, and COMPREPLY. */
function bashReadline(line: string): { word: string; reply: string[] } {
  const out = join(dir, `reply-${Math.random().toString(36).slice(2)}`);
  // The registered function, wrapped to write what bash gave it and what it answered.
  const wrap = `_t() { _prec_complete "$@"; { printf '%s\\n' "$2"; printf '%s\\n' "\${COMPREPLY[@]}"; } > ${out}; }; complete -o default -F _t prec`;
  inPty(['bash', '--norc', '--noprofile', '-i'], [`PS1=; source ${BASH_FILE}; ${wrap}`], line);
  const [word, ...reply] = readFileSync(out, 'utf8').split('\n');
  return { word: word!, reply: reply.filter(Boolean) };
}

test("bash's readline: typed lines + TAB get the same completions", { skip: noZsh }, () => {
  assert.deepEqual(bashReadline('prec -f +uid,exit'), { word: '+uid,exit', reply: ['+uid,exit_status'] });
  assert.deepEqual(bashReadline('prec -q source=s'), { word: 's', reply: ['system'] });
  assert.deepEqual(bashReadline("prec -q 'user=x && exit_s"), { word: 'user=x && exit_s', reply: ['user=x && exit_status'] });
  assert.deepEqual(bashReadline('prec --fields=-time'), { word: '-time', reply: ['-timestamp'] });
  assert.deepEqual(bashReadline('prec hunt --li'), { word: '--li', reply: ['--list-rules'] });
});

/** Every match zsh's completion system adds for a typed line + TAB (compadd wrapped to print them). */
function zshComplete(line: string): string[] {
  const capture = [
    "compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"$@\"; return; fi;",
    'local -a h; builtin compadd -O h "$@"; local -A o; zparseopts -E -A o P: p: 2>/dev/null;',
    'local m; for m in $h; do print -r -- "<<$IPREFIX${o[-P]}${o[-p]}$m>>"; done; builtin compadd "$@"; }',
  ].join(' ');
  const out = inPty(['zsh', '-f', '-i'], [`PROMPT=; fpath=(${dir} $fpath); autoload -Uz compinit; compinit -u -D`, capture, "zstyle ':completion:*' menu no"], line);
  return [...new Set([...out.matchAll(/<<([^>]*)>>/g)].map((m) => m[1]!))].sort();
}

test('zsh: typed lines + TAB complete subcommands, flags, -f and -q fields, values', { skip: noZsh }, () => {
  assert.deepEqual(zshComplete('prec '), ['hunt', 'run', 'stats', 'verify']);
  assert.deepEqual(zshComplete('prec --fu'), ['--full-time']);
  assert.deepEqual(zshComplete('prec hunt --l'), ['--list-rules']);
  assert.deepEqual(zshComplete('prec run --no-t'), ['--no-tree']);
  assert.deepEqual(zshComplete('prec -f ti'), ['timestamp']);
  assert.deepEqual(zshComplete('prec -f +uid,exit'), ['+uid,exit_status']);
  assert.deepEqual(zshComplete('prec -f -time'), ['-timestamp']);
  assert.deepEqual(zshComplete('prec --fields=+ui'), ['--fields=+uid']);
  assert.deepEqual(zshComplete('prec -q exit_s'), ['exit_status']);
  assert.deepEqual(zshComplete("prec -q 'user=x && exit_s"), ['user=x && exit_status']);
  assert.deepEqual(zshComplete("prec -q '!(exit_s"), ['!(exit_status']);
  assert.deepEqual(zshComplete('prec -q source=s'), ['source=system']);
  assert.deepEqual(zshComplete('prec -o j'), ['json']);
  assert.deepEqual(zshComplete('prec -q ').length, ROW_FIELDS.length);
});

test('the spec follows the commands: every flag of every command, -f/-q/-o kinds from the shared flags', () => {
  const spec = completionSpec();
  assert.deepEqual(spec.commands.map((c) => c.name), ['', 'hunt', 'verify', 'run', 'stats']);
  const bare = spec.commands[0]!;
  assert.equal(bare.flags.find((f) => f.long === 'fields')?.value, 'fields');
  assert.equal(bare.flags.find((f) => f.long === 'query')?.value, 'query');
  assert.equal(bare.flags.find((f) => f.long === 'output')?.value, 'format');
  assert.equal(bare.flags.find((f) => f.long === 'input')?.value, 'file');
  // hunt's -o takes fewer formats than the shared one: no format list offered for it.
  assert.equal(spec.commands[1]!.flags.find((f) => f.long === 'output')?.value, 'none');
  assert.deepEqual(spec.fieldValues.source, ['user', 'system']);
});
