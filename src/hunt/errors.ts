// The one error of src/hunt: a rule file that cannot be read as a Sigma rule. Names the file, the
// key and, where the YAML parser knows it, the line and column, so that a bad rule is one line.

export class RuleError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`bad rule ${file}${line !== undefined ? `:${line}:${column ?? 1}` : ''}: ${detail}`);
    this.name = 'RuleError';
  }
}

/**
 * A rule prec cannot evaluate (a field it does not record, a modifier it does not implement):
 * listed with this reason and skipped, never half-evaluated.
 */
export class Unsupported extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Unsupported';
  }
}
