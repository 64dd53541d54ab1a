// `prec hunt`: Sigma rules over the command log (SPEC 13). Thin: the work is in ../hunt.ts and src/hunt.
import { Flags } from '@oclif/core';
import { PrecCommand } from '../base.js';
import { flagValue, markValues, sharedFlags } from '../flags.js';

export default class Hunt extends PrecCommand {
  static override summary = 'Run Sigma rules over the command log.';
  static override description =
    'Matches every command row against Sigma rules (files or directories, --rules, repeatable; default: ' +
    "SigmaHQ's Linux process_creation rules shipped with prec, DRL 1.1, plus prec's own pack). Hits are " +
    'grouped by rule, most severe first. A rule using a field or modifier prec cannot evaluate is listed as ' +
    'unsupported by --list-rules and skipped.\n\n' +
    'Exit status: 0 when the hunt ran (with or without hits); 1 for a bad rule file (named with the key and ' +
    'line), a bad flag or an unreadable log. See docs/hunting.md.';
  static override examples = [
    '<%= config.bin %> hunt',
    '<%= config.bin %> hunt -a -o json',
    '<%= config.bin %> hunt -a --since yesterday --until today',
    '<%= config.bin %> hunt --rules ./my-rules --tree',
    '<%= config.bin %> hunt -F',
    '<%= config.bin %> hunt --list-rules',
  ];
  static override strict = true;

  static override flags = {
    rules: Flags.string({ summary: 'Sigma rule file or directory (repeatable; default: the shipped rules).', multiple: true, multipleNonGreedy: true }),
    input: sharedFlags.input,
    'all-logs': sharedFlags['all-logs'],
    query: sharedFlags.query,
    since: sharedFlags.since,
    until: sharedFlags.until,
    follow: sharedFlags.follow,
    output: Flags.string({ char: 'o', summary: 'Output format: text, json or csv.' }),
    tree: sharedFlags.tree,
    'list-rules': Flags.boolean({ summary: 'List the rules, supported or not (with the reason), and exit.' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Hunt, markValues(this.argv, Hunt.flags));
    const { runHunt } = await import('../hunt.js');
    await runHunt({
      rules: (flags.rules ?? []).map((r) => flagValue(r)),
      input: flagValue(flags.input),
      allLogs: flags['all-logs'],
      queries: (flags.query ?? []).map((q) => flagValue(q)),
      since: flagValue(flags.since),
      until: flagValue(flags.until),
      follow: flags.follow,
      output: flagValue(flags.output),
      tree: flags.tree,
      listRules: flags['list-rules'],
    });
  }
}
