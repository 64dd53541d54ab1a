// Rows: log records turned into what views show and query. Sits between src/log (records) and its
// users (src/cli's views, and hunt, stats, verify, ship, server); imports only schema and log.
export { toRow, finalize, type RowBag, type SeqRow } from './row.js';
export { CompletionMerger } from './completion.js';
export { OrderedMerger, scanLateEnds } from './ordered.js';
export { LastRows } from './last.js';
export { resolveInputs, resolveInputsIn, windowRanges, filesInRange, readRecordsFrom, type InputOptions, type ReadStats, type TimeRange } from './files.js';
export { selectRows, collectRows, rowsFromFiles, type RecordSource, type RowSelection, type FileRowOptions } from './select.js';
