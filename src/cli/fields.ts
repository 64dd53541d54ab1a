// `-f SPEC`: which fields prec prints, in which order. Names come from the catalogue only.
//
// SPEC is a comma-separated list read left to right. When its first name carries a sign (`+uid` or
// `-timestamp`) the list edits the default fields, otherwise it starts from nothing. `+name` (or a
// bare name) appends the field unless already present, `-name` removes it; a bare name takes the sign
// of the nearest signed name before it, so `+uid,gid,-timestamp,user` adds uid and gid and drops
// timestamp and user. `all` stands for every field, so `all,-argv_raw` is every field but argv_raw.
import { DEFAULT_OUTPUT_FIELDS, ROW_FIELDS, suggestField } from '../schema/index.js';
import { escapeText } from './escape.js';
import { UsageError } from './errors.js';

const KNOWN = new Set(ROW_FIELDS);

export function parseFieldSpec(spec: string): string[] {
  const items = spec.split(',');
  const first = items[0]!.trim();
  const editing = first.startsWith('+') || first.startsWith('-');
  const selected: string[] = editing ? [...DEFAULT_OUTPUT_FIELDS] : [];
  let sign: '+' | '-' = '+';
  for (const raw of items) {
    let name = raw.trim();
    if (name.startsWith('+') || name.startsWith('-')) {
      sign = name[0] as '+' | '-';
      name = name.slice(1).trim();
    }
    if (name === '') throw new UsageError(`empty field name in -f "${escapeText(spec)}"; known fields: all, ${ROW_FIELDS.join(', ')}`);
    const names = name === 'all' ? ROW_FIELDS : [name];
    if (name !== 'all' && !KNOWN.has(name)) {
      const hint = suggestField(name);
      throw new UsageError(
        `unknown field "${escapeText(name)}" in -f${hint ? ` (did you mean "${hint}"?)` : ''}; known fields: all, ${ROW_FIELDS.join(', ')}`,
      );
    }
    for (const n of names) {
      const at = selected.indexOf(n);
      if (sign === '+' && at < 0) selected.push(n);
      if (sign === '-' && at >= 0) selected.splice(at, 1);
    }
  }
  if (selected.length === 0) throw new UsageError(`-f "${escapeText(spec)}" leaves no field to print`);
  return selected;
}
