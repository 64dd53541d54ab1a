// chDB (the `chdb` dev dependency): a current ClickHouse engine in-process, for tests that run the
// generated SQL on a current release beside Debian's 18.16. Loaded once here; undefined when the
// package is absent, so a test can skip with CHDB_SKIP.
import { createRequire } from 'node:module';

export interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup(): void;
}

export const Session: (new () => ChdbSession) | undefined = load();

export const CHDB_SKIP = Session ? undefined : 'needs the chdb dev dependency (npm ci)';

function load(): (new () => ChdbSession) | undefined {
  try {
    return (createRequire(import.meta.url)('chdb') as { Session: new () => ChdbSession }).Session;
  } catch {
    return undefined;
  }
}
