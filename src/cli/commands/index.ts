// Bare `prec`: list, follow (-F) or show the tree (--tree) of the commands in the log. Kept small so
// that startup only loads oclif itself; the work lives in run.ts, imported on use.
import { DEFAULT_OUTPUT_FIELDS, ROW_FIELDS } from '../../schema/fields.js';
import { PrecCommand } from '../base.js';
import { flagValue, markValues, sharedFlags } from '../flags.js';
import { Flags } from '@oclif/core';

export default class Prec extends PrecCommand {
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
    '<%= config.bin %> -a --since yesterday --until today --tree',
  ];
  static override strict = true;

  // The order here is the order of the usage line in --help.
  static override flags = {
    input: sharedFlags.input,
    'all-logs': sharedFlags['all-logs'],
    'all-sources': sharedFlags['all-sources'],
    query: sharedFlags.query,
    fields: sharedFlags.fields,
    'full-time': sharedFlags['full-time'],
    limit: sharedFlags.limit,
    follow: sharedFlags.follow,
    tree: sharedFlags.tree,
    since: sharedFlags.since,
    until: sharedFlags.until,
    output: sharedFlags.output,
    'csv-raw': sharedFlags['csv-raw'],
    server: Flags.string({ summary: 'Query this ClickHouse (http[s]://[user:password@]host:port) instead of the log (default: server of /etc/prec/prec.conf).' }),
    table: Flags.string({ summary: 'With --server: the table prec-ship fills (default: table of /etc/prec/prec.conf, else default.prec).' }),
    host: Flags.string({ summary: 'With --server: only rows of this host (repeatable).', multiple: true }),
    version: Flags.boolean({ summary: 'Show version and build info.' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Prec, markValues(this.argv, Prec.flags));
    const main = await import('../run.js');
    if (flags.version) {
      process.stdout.write(main.versionText(this.config.version));
      return;
    }
    await main.runPrec({
      input: flagValue(flags.input),
      allLogs: flags['all-logs'],
      allSources: flags['all-sources'],
      queries: (flags.query ?? []).map((q) => flagValue(q)),
      fields: flagValue(flags.fields),
      fullTime: flags['full-time'],
      limit: flagValue(flags.limit),
      follow: flags.follow,
      tree: flags.tree,
      since: flagValue(flags.since),
      until: flagValue(flags.until),
      output: flagValue(flags.output),
      csvRaw: flags['csv-raw'],
      server: flagValue(flags.server),
      table: flagValue(flags.table),
      hosts: (flags.host ?? []).map((h) => flagValue(h)),
    });
  }
}
