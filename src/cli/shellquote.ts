// `command` as a shell would need it typed: arguments made only of characters no shell treats
// specially stay bare, anything else is single-quoted (the one quoting with no escapes inside).

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteCommand(argv: readonly string[]): string {
  let out = '';
  for (let i = 0; i < argv.length; i++) {
    if (i > 0) out += ' ';
    out += quoteArg(argv[i]!);
  }
  return out;
}
