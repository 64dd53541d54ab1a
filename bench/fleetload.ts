// Writes the JSONEachRow rows prec-ship would insert for every record of a log to stdout, built by
// prec-ship's own reader (readFromCursor) and row function (clickHouseLine), so that a bulk load with
// `clickhouse-client --query 'INSERT ... FORMAT JSONEachRow'` fills the table exactly as shipping
// would, only faster (one stream instead of 10,000-record batches, two processes on two cores).
//
//   node build/bench/fleetload.js LOG HOST        prints the rows; the record count on stderr
import { readFromCursor } from '../src/ship/source.js';
import { clickHouseLine } from '../src/ship/sinks/clickhouse.js';

async function write(s: string): Promise<void> {
  if (!process.stdout.write(s)) await new Promise((r) => process.stdout.once('drain', r));
}

async function main(): Promise<void> {
  const [logPath, host] = process.argv.slice(2);
  if (!logPath || !host) {
    process.stderr.write('usage: fleetload LOG HOST\n');
    process.exit(2);
  }
  let n = 0;
  const source = readFromCursor({ logPath, follow: false, onWarning: (m) => process.stderr.write(`fleetload: ${m}\n`) });
  for await (const batch of source) {
    let chunk = '';
    for (const e of batch) chunk += `${clickHouseLine(e, host)}\n`;
    n += batch.length;
    await write(chunk);
  }
  process.stderr.write(`fleetload: ${n} records\n`);
}

await main();
