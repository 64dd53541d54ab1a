// Shell completion for prec (bash and zsh), generated the way oclif's autocomplete plugin generates
// its scripts: from each command's flags (the classes in commands.ts, the data oclif's manifest
// holds), plus what the plugin cannot know: field names from the catalogue after -f (with the
// +name / -name edits of SPEC 8) and at the start of a -q clause, and the closed value sets of
// fields like source. The plugin completes flag values only by running the CLI at each TAB (and
// only into a per-user cache); these scripts are static files, written at build time
// (`just build`: build/completion/) and installed by the .deb where bash-completion and zsh look.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIELDS, ROW_FIELDS } from '../schema/fields.js';
import COMMANDS, { ROOT_COMMAND_ID } from './commands.js';
import { sharedFlags } from './flags.js';
import { OUTPUT_FORMATS } from './format.js';

/** What completes a flag's value. */
export type ValueKind = 'fields' | 'query' | 'file' | 'format' | 'none';

export interface FlagCompletion {
  readonly long: string;
  readonly char: string | undefined;
  readonly takesValue: boolean;
  readonly multiple: boolean;
  /** `--no-NAME` too (oclif's allowNo). */
  readonly negatable: boolean;
  readonly summary: string;
  readonly value: ValueKind;
}

export interface CommandCompletion {
  /** '' for bare prec. */
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly FlagCompletion[];
}

export interface CompletionSpec {
  readonly commands: readonly CommandCompletion[];
  readonly fields: readonly string[];
  /** Closed value sets of the catalogue (source, record_type). */
  readonly fieldValues: Readonly<Record<string, readonly string[]>>;
  readonly formats: readonly string[];
}

interface FlagDef {
  readonly type: string;
  readonly char?: string | undefined;
  readonly multiple?: boolean | undefined;
  readonly allowNo?: boolean | undefined;
  readonly hidden?: boolean | undefined;
  readonly summary?: string | undefined;
  readonly description?: string | undefined;
}

// Value flags whose values are files; every other value flag is free text (a number, a time, a URL).
const FILE_FLAGS = new Set(['input', 'config', 'rules', 'key-file']);

function valueKind(name: string, def: FlagDef): ValueKind {
  if (def === sharedFlags.fields) return 'fields';
  if (def === sharedFlags.query) return 'query';
  // Only the shared -o takes every format; hunt, stats and verify have their own, shorter lists.
  if (def === sharedFlags.output) return 'format';
  return FILE_FLAGS.has(name) ? 'file' : 'none';
}

/** The completion data of a set of commands (default: prec's own), in their declaration order. */
export function completionSpec(commands: Readonly<Record<string, { summary?: string | undefined; flags?: Record<string, unknown> }>> = COMMANDS): CompletionSpec {
  const cmds = Object.entries(commands).map(([id, cls]): CommandCompletion => {
    const flags = Object.entries((cls.flags ?? {}) as Record<string, FlagDef>)
      .filter(([, def]) => !def.hidden)
      .map(([long, def]): FlagCompletion => ({
        long,
        char: def.char,
        takesValue: def.type === 'option',
        multiple: def.multiple === true,
        negatable: def.allowNo === true,
        summary: firstLine(def.summary ?? def.description ?? ''),
        value: def.type === 'option' ? valueKind(long, def) : 'none',
      }));
    // oclif answers --help for every command without declaring it.
    flags.push({ long: 'help', char: undefined, takesValue: false, multiple: false, negatable: false, summary: 'Show help.', value: 'none' });
    return { name: id === ROOT_COMMAND_ID ? '' : id, summary: firstLine(cls.summary ?? ''), flags };
  });
  const fieldValues: Record<string, readonly string[]> = {};
  for (const f of FIELDS) if (f.values && ROW_FIELDS.includes(f.name)) fieldValues[f.name] = f.values;
  return { commands: cmds, fields: ROW_FIELDS, fieldValues, formats: OUTPUT_FORMATS };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/** Writes `prec.bash` and `_prec` into `dir` (created when missing). */
export function writeCompletionFiles(dir: string, spec: CompletionSpec = completionSpec()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prec.bash'), bashCompletion(spec));
  writeFileSync(join(dir, '_prec'), zshCompletion(spec));
}

// ---- bash ----------------------------------------------------------------------------------------

/** A word in single quotes for bash and zsh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function flagWords(c: CommandCompletion): string[] {
  const words: string[] = [];
  for (const f of c.flags) {
    words.push(`--${f.long}`);
    if (f.negatable) words.push(`--no-${f.long}`);
    if (f.char !== undefined) words.push(`-${f.char}`);
  }
  return words;
}

/** The bash script: `_prec_complete`, registered with `complete -F` for prec. */
export function bashCompletion(spec: CompletionSpec): string {
  const key = (c: CommandCompletion) => (c.name === '' ? '.' : c.name);
  const flags = spec.commands.map((c) => `  [${key(c)}]=${sq(flagWords(c).join(' '))}`);
  const values: string[] = [];
  for (const c of spec.commands) {
    for (const f of c.flags) {
      if (!f.takesValue) continue;
      values.push(`  [${sq(`${key(c)} --${f.long}`)}]=${f.value}`);
      if (f.char !== undefined) values.push(`  [${sq(`${key(c)} -${f.char}`)}]=${f.value}`);
    }
  }
  const fieldValues = Object.entries(spec.fieldValues).map(([k, v]) => `  [${k}]=${sq(v.join(' '))}`);
  const subcommands = spec.commands.map((c) => c.name).filter((n) => n !== '');
  return `# bash completion for prec: subcommands, flags, field names after -f (with the +name/-name
# edits) and at the start of a -q clause, values of source= and record_type=, -o formats.
# Generated from prec's commands and field catalogue by src/cli/completion.ts: do not edit.
# Installed as /usr/share/bash-completion/completions/prec; in a source tree:
#   source build/completion/prec.bash

_prec_commands=${sq(subcommands.join(' '))}
_prec_fields=${sq(spec.fields.join(' '))}
_prec_formats=${sq(spec.formats.join(' '))}
declare -gA _prec_flags=(
${flags.join('\n')}
)
# What completes the value of each value flag, by "command flag" ("." is bare prec).
declare -gA _prec_values=(
${values.join('\n')}
)
declare -gA _prec_field_values=(
${fieldValues.join('\n')}
)
${BASH_FUNCTIONS}
complete -o default -F _prec_complete prec
`;
}

// The static part of the bash script. $1..$3 are what bash passes a completion function (command,
// the word as readline will replace it, the previous word); a test may call it with COMP_WORDS and
// COMP_CWORD only.
const BASH_FUNCTIONS = `
# -f: names after the last comma, keeping the + or - sign typed before them; "all" first only.
_prec_fields_reply() {
  local head=$1 v=$2 last sign= f
  case $v in
    *,*) head+=\${v%,*},; last=\${v##*,} ;;
    *) last=$v ;;
  esac
  case $last in [+-]*) sign=\${last:0:1}; last=\${last:1} ;; esac
  [[ $head == "$1" && -z $sign && all == "$last"* ]] && COMPREPLY+=("\${head}all")
  for f in $_prec_fields; do
    [[ $f == "$last"* ]] && COMPREPLY+=("$head$sign$f")
  done
}

# -q: a field name at the start of a clause (the start, or after && || ( !), or a value of a
# field with a closed set after "field=" / "field!=".
_prec_query_reply() {
  local head=$1 rest=$2 f x
  # Regexes in variables: bash's [[ ]] parser trips over ( and | inside a literal one.
  local boundary='^(.*(&&|[|][|]|[(]))(.*)$' unary='^([[:space:]]*[!(])(.*)$' cond='^([a-z_]+)(!?=)(.*)$'
  if [[ $rest =~ $boundary ]]; then
    head+=\${BASH_REMATCH[1]}
    rest=\${BASH_REMATCH[3]}
  fi
  while [[ $rest =~ $unary ]]; do
    head+=\${BASH_REMATCH[1]}
    rest=\${BASH_REMATCH[2]}
  done
  [[ $rest =~ ^([[:space:]]*)(.*)$ ]] && head+=\${BASH_REMATCH[1]} rest=\${BASH_REMATCH[2]}
  if [[ $rest =~ $cond && -n \${_prec_field_values[\${BASH_REMATCH[1]}]} ]]; then
    f=\${BASH_REMATCH[1]}\${BASH_REMATCH[2]}
    local typed=\${BASH_REMATCH[3]}
    for x in \${_prec_field_values[\${BASH_REMATCH[1]}]}; do
      [[ $x == "$typed"* ]] && COMPREPLY+=("$head$f$x")
    done
  elif [[ $rest =~ ^[a-z_]*$ ]]; then
    for f in $_prec_fields; do
      [[ $f == "$rest"* ]] && COMPREPLY+=("$head$f")
    done
  fi
}

# The value of a value flag: kind, text before the value in the word (--fields=), the value.
_prec_value_reply() {
  case $1 in
    fields) _prec_fields_reply "$2" "$3"; compopt -o nospace 2>/dev/null ;;
    query) _prec_query_reply "$2" "$3"; compopt -o nospace 2>/dev/null ;;
    format) local x; for x in $_prec_formats; do [[ $x == "$3"* ]] && COMPREPLY+=("$2$x"); done ;;
    *) ;;  # file: readline's own file names (complete -o default); none: nothing to offer
  esac
}

_prec_complete() {
  COMPREPLY=()
  # bash splits words at = and : (COMP_WORDBREAKS), prec does not: "-q source=u" is one argument.
  local -a words=()
  local i w cword=0 glue=0 breaks='^[=:]+$'
  for ((i = 0; i < \${#COMP_WORDS[@]}; i++)); do
    w=\${COMP_WORDS[i]}
    if ((i > 1)) && [[ $w =~ $breaks ]]; then
      words[-1]+=$w; glue=1
    elif ((glue)) && ((i <= COMP_CWORD)); then
      words[-1]+=$w; glue=0
    else
      words+=("$w"); glue=0
    fi
    ((i == COMP_CWORD)) && cword=$((\${#words[@]} - 1))
  done
  local cur=\${words[cword]} prev= cmd=. value
  ((cword > 0)) && prev=\${words[cword - 1]}
  value=$cur
  [[ $value == [\\'\\"]* ]] && value=\${value:1}  # an open quote: readline completes inside it
  if ((cword > 1)) && [[ " $_prec_commands " == *" \${words[1]} "* ]]; then
    cmd=\${words[1]}
    for ((i = 2; i < cword; i++)); do [[ \${words[i]} == -- ]] && return 0; done  # prec run -- CMD
  fi
  local kind=\${_prec_values["$cmd $prev"]}
  if ((cword > 1)) && [[ -n $kind && $prev != "$cur" ]]; then
    _prec_value_reply "$kind" "" "$value"
  elif [[ $value == --*=* && -n \${_prec_values["$cmd \${value%%=*}"]} ]]; then
    _prec_value_reply "\${_prec_values["$cmd \${value%%=*}"]}" "\${value%%=*}=" "\${value#*=}"
  elif [[ $value == -* ]]; then
    for w in \${_prec_flags[$cmd]}; do [[ $w == "$value"* ]] && COMPREPLY+=("$w"); done
  elif ((cword == 1)); then
    for w in $_prec_commands; do [[ $w == "$value"* ]] && COMPREPLY+=("$w"); done
  fi
  # Readline replaces only its own word ($2): what bash split off before it is not repeated.
  if (($# >= 2)) && [[ $value == *"$2" ]]; then
    local cut=$((\${#value} - \${#2}))
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]:cut}; done
  fi
  return 0
}
`;

// ---- zsh -----------------------------------------------------------------------------------------

/** Text for inside an _arguments [description]. */
function zshDescription(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
}

const ZSH_ACTION: Readonly<Record<ValueKind, string>> = {
  fields: ':fields:_prec_fields',
  query: ':query:_prec_query',
  file: ':file:_files',
  format: ':format:_prec_formats',
  none: ':value: ',
};

/** The _arguments specs of one command's flags. */
function zshSpecs(c: CommandCompletion): string[] {
  const specs: string[] = [];
  for (const f of c.flags) {
    const names = [...(f.char !== undefined ? [`-${f.char}`] : []), `--${f.long}`];
    const exclusive = f.multiple ? '*' : `(${names.join(' ')}${f.negatable ? ` --no-${f.long}` : ''})`;
    const desc = `[${zshDescription(f.summary)}]`;
    for (const n of names) {
      const suffix = f.takesValue ? (n.startsWith('--') ? '=' : '+') : '';
      specs.push(`${exclusive}${n}${suffix}${desc}${f.takesValue ? ZSH_ACTION[f.value] : ''}`);
    }
    if (f.negatable) specs.push(`(${names.join(' ')} --no-${f.long})--no-${f.long}[${zshDescription(`not ${f.summary}`)}]`);
  }
  return specs;
}

/** The zsh completion function (#compdef prec), for a directory in $fpath. */
export function zshCompletion(spec: CompletionSpec): string {
  const fn = (c: CommandCompletion) => `_prec_cmd_${c.name === '' ? 'bare' : c.name.replace(/[^a-z0-9]/g, '_')}`;
  const perCommand = spec.commands.map(
    (c) => `${fn(c)}() {\n  _arguments -s -S : \\\n${zshSpecs(c).map((s) => `    ${sq(s)}`).join(' \\\n')}\n}\n`,
  );
  const subcommands = spec.commands.filter((c) => c.name !== '');
  const described = subcommands.map((c) => `    ${sq(`${c.name}:${c.summary}`)}`).join('\n');
  const cases = subcommands.map((c) => `    ${c.name}) shift words; (( CURRENT-- )); ${fn(c)} ;;`).join('\n');
  const values = Object.entries(spec.fieldValues).map(([k, v]) => `${k} ${sq(v.join(' '))}`).join(' ');
  return `#compdef prec
# zsh completion for prec: subcommands, flags, field names after -f (with the +name/-name edits)
# and at the start of a -q clause, values of source= and record_type=, -o formats.
# Generated from prec's commands and field catalogue by src/cli/completion.ts: do not edit.
# Installed as /usr/share/zsh/vendor-completions/_prec; in a source tree, before compinit:
#   fpath=(build/completion $fpath)

_prec_field_names=(${spec.fields.join(' ')})
typeset -gA _prec_field_values
_prec_field_values=(${values})

# -f: names after the last comma, keeping the + or - sign typed before them; "all" first only.
_prec_fields() {
  local -a names=($_prec_field_names)
  [[ $PREFIX != *,* && $PREFIX != [-+]* ]] && names+=(all)
  compset -P '*,'
  compset -P '[-+]'
  compadd -S '' -a names
}

# -q: a field name at the start of a clause, or a value of a field with a closed set after "=".
_prec_query() {
  setopt localoptions extendedglob
  # (compset -P does not take these alternatives as a pattern: move them by length.)
  local head=\${(M)PREFIX##*(\\&\\&|\\|\\||\\()}
  compset -p $#head
  head=\${(M)PREFIX##[[:space:]!(]#}
  compset -p $#head
  if [[ $PREFIX == (#b)([a-z_]##)(!|)=* && -n \${_prec_field_values[$match[1]]} ]]; then
    local -a vals=(\${=_prec_field_values[$match[1]]})
    compset -P '*='
    compadd -S '' -a vals
  elif [[ $PREFIX == [a-z_]# ]]; then
    compadd -S '' -a _prec_field_names
  fi
}

_prec_formats() {
  compadd ${spec.formats.join(' ')}
}

${perCommand.join('\n')}
_prec() {
  local -a subcommands=(
${described}
  )
  if (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then
    _describe -t commands 'prec command' subcommands
    return
  fi
  case $words[2] in
${cases}
    *) _prec_cmd_bare ;;
  esac
}

_prec "$@"
`;
}
