// The oclif command: `prec` is a single command (package.json: oclif.commands.strategy = single).
// Kept small so that startup only loads oclif itself; the work lives in run.ts, imported on use.
import { Command, Flags } from '@oclif/core';
import { DEFAULT_OUTPUT_FIELDS, ROW_FIELDS } from '../schema/fields.js';

// oclif takes a flag's value from the next argument unless that argument looks like one of the
// command's own flags: `-f -argv` would read `-a` (--all-logs) and fail. Values of the flags below
// are therefore marked before parsing when they start with `-` and unmarked by `value()`.
const VALUE_FLAGS = new Set(['-i', '--input', '-q', '--query', '-f', '--fields', '-n', '--limit', '-o', '--output']);
const MARK = '\u0000';

export function markValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0 && VALUE_FLAGS.has(a.slice(0, eq))) {
      out.push(a.slice(0, eq), MARK + a.slice(eq + 1));
    } else if (VALUE_FLAGS.has(a) && i + 1 < argv.length) {
      out.push(a, MARK + argv[++i]!);
    } else {
      out.push(a);
    }
  }
  return out;
}

function value(s: string): string {
  return s.startsWith(MARK) ? s.slice(1) : s;
}

export default class Prec extends Command {
  static override summary = 'Read, search and follow the command log written by precd.';
  static override description =
    'Lists the commands recorded by precd (start and end merged into one row), filtered by queries, ' +
    'as text, a table, JSON lines or CSV; follows the log live or shows the process tree.\n\n' +
    `Default fields: ${DEFAULT_OUTPUT_FIELDS.join(',')}\n` +
    `Fields (-f and -q): ${ROW_FIELDS.join(', ')}`;
  static override examples = [
    '<%= config.bin %> -F',
    '<%= config.bin %> -q "user=nginx" --tree',
    '<%= config.bin %> -a -A -f all -o csv > timeline.csv',
    '<%= config.bin %> -A -q "auid=1000 && exit_status!=0"',
  ];
  static override strict = true;

  static override flags = {
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
    'csv-raw': Flags.boolean({ summary: 'CSV: do not prefix cells that start with = + - @ tab or CR.' }),
    version: Flags.boolean({ summary: 'Show version and build info.' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Prec, markValues(this.argv));
    const main = await import('./run.js');
    if (flags.version) {
      process.stdout.write(main.versionText(this.config.version));
      return;
    }
    await main.runPrec({
      input: flags.input !== undefined ? value(flags.input) : undefined,
      allLogs: flags['all-logs'],
      allSources: flags['all-sources'],
      queries: (flags.query ?? []).map(value),
      fields: flags.fields !== undefined ? value(flags.fields) : undefined,
      fullTime: flags['full-time'],
      limit: flags.limit !== undefined ? value(flags.limit) : undefined,
      follow: flags.follow,
      tree: flags.tree,
      output: flags.output !== undefined ? value(flags.output) : undefined,
      csvRaw: flags['csv-raw'],
    });
  }

  // Every failure, oclif's own parse errors included, is one `prec: ...` line and exit status 1.
  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    const { reportError } = await import('./report.js');
    reportError(err);
  }
}
