/**
 * Reading precd's logs (SPEC sections 3, 6 and 8) for the `prec` CLI. Depends on the schema,
 * zstd-napi and node:zlib only; never on the daemon or the addon.
 *
 * Formats: each file's format comes from its first bytes (zstd 28 B5 2F FD, gzip 1F 8B, else
 * plain), never its name, and content compressed again inside (logrotate gzipping a zstd log, a
 * zstd of a gz) is unwrapped, up to 3 layers. Concatenated zstd frames / gzip members are read in
 * turn. A file whose compress setting changed between runs of precd (plain lines, then zstd
 * frames, then gzip members... appended to one file) is read whole, each part in its format.
 *
 * Damage: a frame (member) cut short at the END of a file (precd still writing, or killed) yields
 * every complete line before it, silently. A frame cut short in the MIDDLE (precd killed, then
 * restarted, appending a new frame) yields its complete lines, drops the cut line, and reading
 * resumes at the next frame, reported once through onWarning:
 *   `prec.log: damaged zstd frame at byte 0, resumed at byte 5120`
 *   `prec.log: damaged gzip data at byte 4100, resumed at byte 4100`
 *   `prec.log: damaged zstd frame at byte 0, no frame after it` (end of a finished read)
 * After damage, reading resumes at whichever comes first: the next frame or member of either
 * kind (a gzip member after zstd damage only when it inflates to log data), or a plain record
 * line (a restart with another compress setting appended after the cut frame; see resync.ts for
 * how a line is told from compressed bytes). A compressed zstd block is decoded only once none
 * of its bytes starts a plain record line, and inflating never runs past a plain record line or
 * a zstd magic: both decoders would otherwise decode what a cut frame's declared size swallows
 * into garbage and copies of earlier lines, without an error.
 * The file name in warnings is the path as given; offsets are in the file, also in a file whose
 * format changed along the way (for an inner layer, the label reads `prec.log.2.gz (inside
 * gzip)` and offsets are in the decompressed outer data).
 * For zstd the first offset is the start of the damaged frame; for gzip, where the damage was
 * noticed. Inflate never runs past a gzip magic inside a member: a member cut in the middle of a
 * deflate block would otherwise decode the next member's bytes as garbage (or swallow it) with no
 * error; there the member's trailer, a trial decode of the new member, and a stored-copy check
 * tell a member boundary, a cut (reported at the magic, nothing of the cut tail decoded) and a
 * gzip stored verbatim inside a gzip apart. Corruption inside a compressed block costs that zstd block (up to 128 KiB of lines) or
 * about 1 KiB of compressed gzip input around it.
 *
 * Lines: complete lines ('\n'-terminated). The bytes after the last '\n' at the end of a file
 * are returned as a last line only when they parse as a complete record (a hand-made log
 * without final newline); otherwise they are a record precd is still writing, or one cut by a
 * crash, and are ignored silently. A line that is not valid UTF-8 (raw argv bytes in a hand-made
 * log) is returned decoded with surrogateescape: each byte of an invalid sequence becomes the
 * lone surrogate U+DC80+byte (src/log/surrogate.ts; cli/escape.ts shows it as `\xff`), so its
 * record is kept, not counted ('invalid-utf8' is no longer reported); a line over 16 MiB is
 * skipped as it streams by and goes to
 * onBadLine(first KiB, 'too-long'); with the record readers, a line that is not a record goes to
 * onBadLine(line, 'not-a-record') (blank lines are skipped silently). Count them all to print
 * `prec: skipped 3 lines that are not records in prec.log`. A line cut by damage is not counted
 * (the damage warning covers it).
 *
 * Speed: the *Batches variants yield one array per decoded chunk (thousands of lines) and avoid a
 * promise per line; prefer them on large logs. Memory does not grow with file size.
 *
 * API:
 * - detectFormat(head: Buffer): 'zstd' | 'gzip' | 'plain'
 * - discoverLogs(input, allLogs): Promise<string[]> — files to read, oldest first by the time of
 *   each rotated file's first record (decoded from its head; never mtime), input last; a file
 *   whose first record cannot be read keeps its place by name (numbered: higher is older; dated:
 *   older date first); every file listed (up to the 256 newest rotated ones) is kept open and the read and follow functions below
 *   read it from that handle (read.ts, pinLog), so that logrotate renaming, compressing or
 *   replacing files meanwhile changes nothing of what is read (a file truncated meanwhile gives
 *   what is left, and onWarning says `prec.log.1: truncated while being read: N of M bytes
 *   read` when the read saw it shrink);
 *   throws LogError (message `cannot read <path>: permission denied` / `no such file or
 *   directory`; print as `prec: ${err.message}`).
 * - discoverLogTimes(input, allLogs): the same files with the time of each one's first record
 *   (TimedLog.first, when readable), the input's included: to skip files outside a time window.
 * - readLogLines / readLogBatches(path, ReadOptions): lines (see above). A pipe or FIFO works
 *   too (`-i /dev/stdin`).
 * - readRecords / readRecordBatches(path, ReadOptions): parsed records, file order.
 * - parseRecord(line): LogRecord | undefined — JSON.parse (never eval) + shape check from the
 *   catalogue, lenient on presence, strict on types: a JSON object with record_type
 *   start/end/fail/loss, a string timestamp and (start/end/fail) a string event_id; every other
 *   key may be absent (hand-made logs omit parent_* and the like: a LogRecord's keys are then
 *   only as present as the line had them), but a catalogue key that is present must have its
 *   type (number, string, boolean, string[]); keys the catalogue does not know are kept.
 * - followRecords / followLineBatches(path, FollowOptions): live records, never
 *   ending on their own. Options: signal (abort ends the iteration cleanly, no error), fromStart
 *   (default false: only what is written after following starts), onCaughtUp (called once,
 *   after every record complete in the file at the start was yielded and before any later one:
 *   for `-F -n N`, use fromStart: true, keep a ring of the last N records, print it in
 *   onCaughtUp, then print live ones), onWarning, onBadLine, onProgress (history only, total =
 *   size at start), pollIntervalMs (default 250; inotify wakes it sooner). Follows the PATH:
 *   after a rename the old file is read to its end (once the new file has data) and the new one
 *   from its start; files current only between two looks at the path (logrotate ran twice) are
 *   found among the rotated siblings and read whole, oldest first, in between (rotation.ts: a
 *   file is its device, inode and birth time, since compression frees inode numbers that the
 *   next file gets; never a sibling there at the start, never a file whose first record is that
 *   of a file read, as a compressed copy's is, nor older than it); after truncation reading restarts at 0. A missing file at the start is a
 *   LogError; parseBatch(batch, { onBadLine }) turns a line batch into records.
 * - ReadOptions: onWarning(msg), onProgress(bytesRead, totalBytes) (compressed bytes),
 *   onBadLine(line, reason), prefilter(line) (record readers and parseBatch: lines it rejects
 *   are skipped before JSON.parse and not counted; JSON.parse is most of the cost of a query),
 *   selector (line readers: a LineSelector choosing lines from the raw bytes, before they are
 *   even decoded to strings: the fast path of `prec -q`), workerMinBytes (the readLog and readRecord functions:
 *   a regular file at least this big is read and decompressed on a worker thread, worker.ts,
 *   while the caller handles the lines; same lines, warnings, bad lines and errors; the CLI sets
 *   it for prefiltered queries unless PREC_NO_WORKER=1; follow mode never uses it).
 * - windowRange(fh, window, keepEnds): the byte range of a zstd log that can hold a time window's
 *   records (time-index.ts: whole frames outside it skipped undecoded), for ReadOptions.range.
 * All I/O failures are LogError; nothing else is thrown for bad content.
 */
export { detectFormat, type LogFormat } from '../codec/format.js';
export { LogError } from './errors.js';
export { discoverLogs, discoverLogTimes, type TimedLog } from './discover.js';
export { parseRecord } from './record.js';
export {
  readLogLines,
  readLogBatches,
  readRecords,
  readRecordBatches,
  parseBatch,
} from './read.js';
export type { ReadOptions, BadLineReason } from './chunks.js';
export type { LineSelector } from './lines.js';
export { NeedleSelector, eventIdAt, type LineNeedle } from './needle-selector.js';
export { followRecords, followLineBatches, type FollowOptions } from './follow.js';
// For prec-ship, which identifies a file by its first record (a compressed copy keeps it).
export { readFirstRecord, type FirstRecord } from './discover.js';
export { pinLog, takePinned, peekPinned } from './read.js';
export { windowRange, WINDOW_SLACK_NS, type Window } from './time-index.js';
export type { ByteRange } from './chunks.js';
export { openLog } from './chunks.js';
