// Real clickhouse-server processes (Debian's package, 18.16 here) for end-to-end tests: each in its own
// temp dir with a minimal config.xml/users.xml, on free loopback ports, stopped by pid. Never the
// system's instance (its config, data or port). A "cluster" of N such servers is described in each
// server's remote_servers, so a Distributed table on any of them spans all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLICKHOUSE_SERVER = '/usr/sbin/clickhouse-server';

export function clickhouseMissing(): string | undefined {
  return spawnSync('sh', ['-c', `test -x ${CLICKHOUSE_SERVER}`]).status === 0
    ? undefined
    : 'needs clickhouse-server (Debian package clickhouse-server, installed by packaging/setup.sh)';
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * POST on a connection of its own (no keep-alive): a test that blocks its event loop for a while
 * (spawnSync, chDB) would otherwise reuse a connection the server has closed meanwhile, and fetch
 * fails ("fetch failed", other side closed).
 */
function postOnce(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class ClickHouseServer {
  child: ChildProcess | undefined;
  readonly dir: string;

  constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly tcpPort: number,
    readonly interserverPort: number,
    root: string,
  ) {
    this.dir = join(root, name);
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  writeConfig(cluster: string, shards: readonly ClickHouseServer[]): void {
    const shardXml = shards.map((s) => `<shard><replica><host>127.0.0.1</host><port>${s.tcpPort}</port></replica></shard>`).join('');
    writeFileSync(join(this.dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${this.dir}/server.log</log><errorlog>${this.dir}/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${this.httpPort}</http_port>
  <tcp_port>${this.tcpPort}</tcp_port>
  <interserver_http_port>${this.interserverPort}</interserver_http_port>
  <path>${this.dir}/data/</path>
  <tmp_path>${this.dir}/tmp/</tmp_path>
  <format_schema_path>${this.dir}/format_schemas/</format_schema_path>
  <users_config>${this.dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <uncompressed_cache_size>8388608</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers><${cluster}>${shardXml}</${cluster}></remote_servers>
</yandex>
`);
    writeFileSync(join(this.dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  }

  async start(): Promise<void> {
    this.child = spawn(CLICKHOUSE_SERVER, [`--config-file=${join(this.dir, 'config.xml')}`], {
      stdio: ['ignore', 'ignore', 'ignore'],
      cwd: this.dir,
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`clickhouse-server ${this.name} exited with ${this.child.exitCode}`);
      const ok = await fetch(`${this.url}/ping`).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`clickhouse-server ${this.name} did not answer on ${this.url}`);
      await sleep(200);
    }
  }

  /** SIGTERM, then SIGKILL if it lingers; by pid. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
    this.child = undefined;
  }

  /** Runs one statement; the response body (rows as text). Throws with ClickHouse's message. */
  async query(sql: string, params = ''): Promise<string> {
    const r = await postOnce(`${this.url}/${params}`, sql);
    if (r.status !== 200) throw new Error(`${sql.slice(0, 80)}: ${r.text.split('\n')[0]}`);
    return r.text;
  }
}

export class ClickHouseCluster {
  readonly servers: ClickHouseServer[] = [];
  readonly root = mkdtempSync(join(tmpdir(), 'prec-ch-'));

  static async start(shards: number, cluster = 'prec_test'): Promise<ClickHouseCluster> {
    const c = new ClickHouseCluster();
    for (let i = 0; i < shards; i++) {
      c.servers.push(new ClickHouseServer(`shard${i + 1}`, await freePort(), await freePort(), await freePort(), c.root));
    }
    for (const s of c.servers) s.writeConfig(cluster, c.servers);
    await Promise.all(c.servers.map((s) => s.start()));
    return c;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
