// Errors the user caused (bad flag value, unreadable file, bad query): shown as `prec: MESSAGE` on
// stderr with exit status 1, never with a stack trace.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
