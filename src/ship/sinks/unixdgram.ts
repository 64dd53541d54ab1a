// A connected AF_UNIX SOCK_DGRAM socket (Node's dgram has none) over the `unix-dgram` addon: each
// send succeeds only when the receiver's queue took the message; a full queue (EAGAIN, "congestion")
// waits for the socket to become writable and sends the same message again.
import { createRequire } from 'node:module';

interface RawSocket {
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'writable', fn: () => void): void;
  connect(path: string): void;
  send(buf: Buffer, cb: (err?: Error & { code?: unknown }) => void): void;
  close(): void;
  connected?: boolean;
}

const require = createRequire(import.meta.url);

export class UnixDatagram {
  private socket: RawSocket | undefined;
  private writable: (() => void) | undefined;

  constructor(private readonly path: string) {}

  private open(): RawSocket {
    if (this.socket) return this.socket;
    const { createSocket } = require('unix-dgram') as { createSocket(type: 'unix_dgram'): RawSocket };
    const s = createSocket('unix_dgram');
    let failure: Error | undefined;
    s.on('error', (err) => void (failure = err));
    s.on('writable', () => this.writable?.());
    s.connect(this.path);
    if (failure || !s.connected) {
      s.close();
      throw new Error(`cannot connect to unix://${this.path}: ${errnoText(failure)}`);
    }
    this.socket = s;
    return s;
  }

  /** Sends each message in turn; rejects (and reconnects next time) on the first one refused. */
  async sendAll(messages: readonly Buffer[]): Promise<void> {
    const s = this.open();
    for (const msg of messages) {
      for (;;) {
        const err = await new Promise<(Error & { code?: unknown }) | undefined>((resolve) => s.send(msg, resolve));
        if (!err) break;
        if (err.message === 'congestion') {
          // Queue full: wait until writable (or a second at most: the event may have passed).
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1000);
            this.writable = () => { clearTimeout(t); resolve(); };
          });
          this.writable = undefined;
          continue;
        }
        this.close();
        throw new Error(`unix://${this.path}: ${errnoText(err)}`);
      }
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}

/** unix-dgram reports a negative errno number as the code. */
function errnoText(err: (Error & { code?: unknown }) | undefined): string {
  const code = typeof err?.code === 'number' ? -err.code : undefined;
  const names: Record<number, string> = { 2: 'no such file or directory (ENOENT)', 13: 'permission denied (EACCES)', 111: 'connection refused (ECONNREFUSED)', 90: 'message too long (EMSGSIZE)', 91: 'protocol wrong type (EPROTOTYPE)' };
  return code !== undefined ? (names[code] ?? `errno ${code}`) : (err?.message ?? 'failed');
}
