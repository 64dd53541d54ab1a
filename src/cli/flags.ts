// The flags every prec command shares, defined once: a subcommand picks the ones it takes by name
// (`static flags = { input: sharedFlags.input, query: sharedFlags.query }`), so -i, -q, -f, -o ...
// read and are documented the same everywhere. Also the dash-value marking that oclif's parser needs.
import { Flags } from '@oclif/core';

export const sharedFlags = {
  input: Flags.string({ char: 'i', summary: 'Log to read (default: log_path of /etc/prec/precd.conf, else /var/log/prec/prec.log).' }),
  'all-logs': Flags.boolean({ char: 'a', summary: 'Also read rotated logs, oldest first.' }),
  'all-sources': Flags.boolean({ char: 'A', summary: 'Do not add the default query source=user.' }),
  query: Flags.string({ char: 'q', summary: 'Query (repeatable; all must match).', multiple: true, multipleNonGreedy: true }),
  fields: Flags.string({ char: 'f', summary: 'Fields: a,b,c | +x,-y (edit the defaults) | all | all,-x.' }),
  'full-time': Flags.boolean({ summary: 'RFC3339Nano timestamps instead of YYYY-MM-DD HH:MM:SS.' }),
  limit: Flags.string({ char: 'n', summary: 'List: the last N rows (0 = all). Follow: N rows of history.' }),
  follow: Flags.boolean({ char: 'F', summary: 'Follow the log.' }),
  tree: Flags.boolean({ summary: 'Show the process tree (list mode only).' }),
  output: Flags.string({ char: 'o', summary: 'Output format: text, table, json or csv.' }),
  since: Flags.string({ summary: 'Only rows from this time on: 2026-12-01, "2026-12-01 10:00", RFC3339, today, yesterday, -1h, "2 days ago"...' }),
  until: Flags.string({ summary: 'Only rows up to this time (same forms as --since).' }),
  'csv-raw': Flags.boolean({ summary: 'CSV: do not prefix cells that start with = + - @ tab or CR.' }),
};

// oclif takes a flag's value from the next argument unless that argument looks like one of the
// command's own flags: `-f -argv` would read `-a` (--all-logs) and fail. Values of a command's
// value flags are therefore marked before parsing when they start with `-`, and unmarked by
// `flagValue()`.
const MARK = '\u0000';

/** `--name` and `-c` of every flag that takes a value. */
export function valueFlagNames(flags: Readonly<Record<string, { type: string; char?: string | undefined }>>): Set<string> {
  const names = new Set<string>();
  for (const [name, def] of Object.entries(flags)) {
    if (def.type !== 'option') continue;
    names.add(`--${name}`);
    if (def.char !== undefined) names.add(`-${def.char}`);
  }
  return names;
}

/** The argv with the values of `flags`' value flags marked; pass the result to `this.parse`. */
export function markValues(argv: readonly string[], flags: Parameters<typeof valueFlagNames>[0]): string[] {
  const valueFlags = valueFlagNames(flags);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0 && valueFlags.has(a.slice(0, eq))) {
      out.push(a.slice(0, eq), MARK + a.slice(eq + 1));
    } else if (valueFlags.has(a) && i + 1 < argv.length) {
      out.push(a, MARK + argv[++i]!);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** A parsed value flag's value as the user typed it. */
export function flagValue(s: string): string;
export function flagValue(s: string | undefined): string | undefined;
export function flagValue(s: string | undefined): string | undefined {
  return s !== undefined && s.startsWith(MARK) ? s.slice(1) : s;
}
