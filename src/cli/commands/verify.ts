// `prec verify`: checks the seals precd writes into the log (SPEC section 12). Kept small: the work
// is in ../verify.ts and src/seal/, imported on use.
import { Flags } from '@oclif/core';
import { PrecCommand } from '../base.js';
import { flagValue, markValues, sharedFlags } from '../flags.js';

export default class Verify extends PrecCommand {
  static override summary = 'Check the seals in the log: was any line changed, inserted, deleted or reordered?';
  static override description =
    'Verifies the hash chain and, with the verification key printed by `precd --setup-keys`, the MAC of every ' +
    'seal under the key of its own epoch. Per file: PASS or FAIL, the records verified and their time range, ' +
    'the unsealed tail, seal_seq gaps between files, and the first bad line. With --since/--until only the ' +
    'files that may hold the window are verified (each whole: files wholly outside it are not read), and each ' +
    "report says how many of the window's records a verified seal covers. " +
    'Exit status: 0 verified, 1 tampering or damage found, 2 could not verify.';
  static override examples = ['<%= config.bin %> verify -a --key-file /media/usb/prec.key', '<%= config.bin %> verify -i /var/log/prec/prec.log.1', '<%= config.bin %> verify -a --since "2026-12-01 10:00" --until "2026-12-01 11:00"'];
  static override strict = true;

  static override flags = {
    input: sharedFlags.input,
    'all-logs': sharedFlags['all-logs'],
    since: sharedFlags.since,
    until: sharedFlags.until,
    key: Flags.string({ summary: 'Verification key (64 hex digits, printed once by precd --setup-keys).' }),
    'key-file': Flags.string({ summary: 'File holding the verification key.' }),
    output: Flags.string({ char: 'o', summary: 'Output format: text or json.' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Verify, markValues(this.argv, Verify.flags));
    const { runVerify } = await import('../verify.js');
    process.exitCode = await runVerify({
      input: flagValue(flags.input),
      allLogs: flags['all-logs'],
      key: flagValue(flags.key),
      keyFile: flagValue(flags['key-file']),
      output: flagValue(flags.output),
      since: flagValue(flags.since),
      until: flagValue(flags.until),
    });
  }

  // Could not verify (usage, key, unreadable input): one `prec: ...` line and exit status 2.
  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    await super.catch(err);
    process.exitCode = 2;
  }
}
