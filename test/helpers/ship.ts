// Runs the real prec-ship (bin/prec-ship.js) with a temp config and state dir, and reads back a log
// independently of src/log (the stock gzip/zstd tools), to compare what was shipped with what is there.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'smol-toml';
import { REPO_ROOT, sleep, type Rec } from './precd.js';

export const SHIP_BIN = join(REPO_ROOT, 'bin', 'prec-ship.js');

export function writeShipConfig(path: string, config: Record<string, unknown>): string {
  writeFileSync(path, stringify(config));
  chmodSync(path, 0o600);
  return path;
}

export function runShipSync(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SHIP_BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class Shipper {
  stderr = '';
  readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => void (this.stderr += s));
    this.exited = new Promise((resolve) => child.on('close', () => resolve()));
  }

  static start(configPath: string): Shipper {
    return new Shipper(spawn(process.execPath, [SHIP_BIN, '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForStderr(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.stderr)) {
      if (!this.running) throw new Error(`prec-ship exited before ${re}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} on prec-ship stderr: ${this.stderr}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }

  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The decompressed text of one file, whatever its layers (gzip of zstd, as logrotate makes). */
function decompressed(path: string): string {
  let data = readFileSync(path);
  for (let layer = 0; layer < 3; layer++) {
    const tool = data.length >= 4 && data.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : data[0] === 0x1f && data[1] === 0x8b ? 'gzip' : undefined;
    if (!tool) break;
    const r = spawnSync(tool, ['-dc'], { input: data, maxBuffer: 1 << 30 });
    data = r.stdout;
  }
  return data.toString('utf8');
}

/** Every complete record of the log and its rotated siblings (`prec.log*`). */
export function allLogRecords(logPath: string): Rec[] {
  const base = basename(logPath);
  const out: Rec[] = [];
  for (const name of readdirSync(dirname(logPath))) {
    if (name !== base && !name.startsWith(`${base}.`) && !name.startsWith(`${base}-`)) continue;
    const lines = decompressed(join(dirname(logPath), name)).split('\n');
    lines.pop();
    for (const l of lines) if (l.startsWith('{')) out.push(JSON.parse(l) as Rec);
  }
  return out;
}

/** The identity of a record in the table: what the sorting key tells apart. */
export function recordKey(r: Record<string, unknown>): string {
  return `${String(r.record_type)}|${String(r.event_id ?? '')}|${String(r.timestamp)}`;
}
