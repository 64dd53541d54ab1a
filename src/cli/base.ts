// What every prec command has in common beyond its flags (flags.ts): how it fails.
import { Command } from '@oclif/core';

export abstract class PrecCommand extends Command {
  // Every failure, oclif's own parse errors included, is one `prec: ...` line and exit status 1.
  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    const { reportError } = await import('./report.js');
    reportError(err);
  }
}
