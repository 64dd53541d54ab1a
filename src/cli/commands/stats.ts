// `prec stats`: totals, top lists and commands over time for the selected rows (SPEC 14).
import { PrecCommand } from '../base.js';
import { flagValue, markValues, sharedFlags } from '../flags.js';
import { Flags } from '@oclif/core';

export default class Stats extends PrecCommand {
  static override summary = 'Summarize the selected commands: totals, top users and programs, commands over time.';
  static override description =
    'Counts the rows prec would list for the same -i/-a/-A/-q/--since/--until: commands, failed execs, ' +
    'non-zero exits, kernel losses, distinct users and hosts; the top N users, exe, comm, parent_exe and ' +
    'non-zero exit statuses; commands per hour (per day over more than 3 days) as a bar chart. ' +
    'Losses count every loss record in the time window, whatever the query.';
  static override examples = ['<%= config.bin %> stats --since today', '<%= config.bin %> stats -a -A --since "-7d" --top 20', '<%= config.bin %> stats -q "user=www-data" -o json'];
  static override strict = true;

  static override flags = {
    input: sharedFlags.input,
    'all-logs': sharedFlags['all-logs'],
    'all-sources': sharedFlags['all-sources'],
    query: sharedFlags.query,
    since: sharedFlags.since,
    until: sharedFlags.until,
    top: Flags.string({ summary: 'How many entries each top list shows (default 10).' }),
    output: Flags.string({ char: 'o', summary: 'Output format: text or json.' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Stats, markValues(this.argv, Stats.flags));
    const { runStats } = await import('../stats.js');
    await runStats({
      input: flagValue(flags.input),
      allLogs: flags['all-logs'],
      allSources: flags['all-sources'],
      queries: (flags.query ?? []).map((q) => flagValue(q)),
      since: flagValue(flags.since),
      until: flagValue(flags.until),
      top: flagValue(flags.top),
      output: flagValue(flags.output),
    });
  }
}
