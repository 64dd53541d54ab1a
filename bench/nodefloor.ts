// What any Node reader of a zstd log pays before doing its own work: zstd-napi's stream decoder,
// UTF-8 decoding and line splitting ("split"), plus JSON.parse of every line ("parse"). The query
// benchmark runs it beside prec to show how much of prec's time is this floor.
//
//   node build/bench/nodefloor.js LOG split|parse        prints the number of lines
import { createReadStream } from 'node:fs';
import { DecompressStream } from 'zstd-napi';

async function main(): Promise<void> {
  const [path, mode] = process.argv.slice(2);
  if (!path || (mode !== 'split' && mode !== 'parse')) {
    process.stderr.write('usage: nodefloor LOG split|parse\n');
    process.exit(2);
  }
  let lines = 0;
  let carry = '';
  const stream = createReadStream(path).pipe(new DecompressStream());
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() ?? '';
    if (mode === 'parse') for (const l of parts) JSON.parse(l);
    lines += parts.length;
  }
  process.stdout.write(`${lines}\n`);
}

await main();
