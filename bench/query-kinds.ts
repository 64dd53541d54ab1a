// Every query kind of issue 19 (string =, substring, numeric range, timestamp range, regex) beside
// `zstdcat LOG | grep -c` on the generated 300,000- and 1,000,000-command logs, prec and grep
// interleaved; the same cases as the query section of `just bench`, alone (a few minutes).
// Run: `just bench-query-kinds [ROUNDS]`. Writes bench/results/query-kinds-SIZE.json and prints a table per size.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindsTable, queryKinds } from './sections/query.js';

const REPO = join(fileURLToPath(import.meta.url), '..', '..', '..');
const RESULTS = join(REPO, 'bench', 'results');
const rounds = Number(process.argv[2] ?? 5);
const sizes = (process.argv[3] ?? '300000,1000000').split(',').map(Number);
// One size at a time, each table printed (and its JSON written) as soon as it is measured.
for (const size of sizes) {
  const k = await queryKinds(REPO, RESULTS, [size], rounds);
  writeFileSync(join(RESULTS, `query-kinds-${size}.json`), JSON.stringify(k, null, 2));
  console.log(kindsTable(k) + '\n');
}
