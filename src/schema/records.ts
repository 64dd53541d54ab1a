// Record and row shapes derived from the field catalogue, so that a field added to the table is a
// field of the types too.
import type { CatalogueField, FieldType, RecordType } from './fields.js';

type TsType<T extends FieldType> = T extends 'number'
  ? number
  : T extends 'boolean'
    ? boolean
    : T extends 'string[]'
      ? string[]
      : string;

type Carried<R extends RecordType, F = CatalogueField> = F extends { records: readonly RecordType[] }
  ? R extends F['records'][number]
    ? F
    : never
  : never;

type Shape<Fs extends { name: string; type: FieldType; optional: boolean }> = {
  [F in Fs as F['optional'] extends true ? never : F['name']]: TsType<F['type']>;
} & {
  [F in Fs as F['optional'] extends true ? F['name'] : never]?: TsType<F['type']>;
};

export type StartRecord = Omit<Shape<Carried<'start'>>, 'record_type' | 'source'> & {
  record_type: 'start';
  source: Source;
};
export type EndRecord = Omit<Shape<Carried<'end'>>, 'record_type' | 'source'> & { record_type: 'end'; source: Source };
// argv and argc of a failed exec are best effort: the attempted argv may not be readable.
export type FailRecord = Omit<Shape<Carried<'fail'>>, 'record_type' | 'source' | 'argv' | 'argc'> & {
  record_type: 'fail';
  source: Source;
  argv?: string[];
  argc?: number;
};
export type LossRecord = Omit<Shape<Carried<'loss'>>, 'record_type'> & { record_type: 'loss' };
export type SealRecord = Omit<Shape<Carried<'seal'>>, 'record_type'> & { record_type: 'seal' };

export type Source = 'user' | 'system';
export type LogRecord = StartRecord | EndRecord | FailRecord | LossRecord | SealRecord;

/**
 * What `prec` shows and queries: a start merged with its end (`command`), or a fail or loss record
 * passed through. End-only fields of a command are absent while it has not ended.
 */
export type CommandRow = StartRecord & { record_type: 'command' } & EndPart;

/** The fields a command row takes from its end record (catalogue `fromEnd`), absent until it ends. */
type EndPart = {
  [F in Extract<CatalogueField, { fromEnd: string }> as F['name']]?: TsType<F['type']>;
};
export type Row = (Omit<CommandRow, 'record_type'> & { record_type: 'command' }) | FailRecord | LossRecord | SealRecord;

/** Loose view used by the query engine and formatters, which address fields by catalogue name. */
export type FieldBag = Readonly<Record<string, unknown>>;
