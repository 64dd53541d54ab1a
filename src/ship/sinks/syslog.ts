// syslog: RFC 5424 messages, over TCP with octet-counting framing (RFC 6587: `LEN SP MSG`), or to a
// unix datagram socket (/dev/log), one message per record. MSG is the record's line as written,
// optionally prefixed `@cee: ` (CEE/lumberjack, what rsyslog's mmjsonparse looks for); APP-NAME
// prec, MSGID the record_type, HOSTNAME the configured host.
//
// Acknowledgement: syslog has none. Over TCP a batch counts as delivered once the kernel took all
// of it (the write callback), so a connection that breaks with data in its buffers can lose what
// was in flight: the cursor then re-sends from the last batch whose write completed before it.
// Over a unix datagram socket each send succeeds only when the receiver's queue took the message.
import { connect, type Socket } from 'node:net';
import type { SyslogSinkConfig } from '../config.js';
import type { Entry } from '../source.js';
import type { Sink } from './sink.js';
import { UnixDatagram } from './unixdgram.js';

/** Facility 13 (log audit), severity 6 (informational): what a record of a started program is. */
const PRI = 13 * 8 + 6;

/** RFC 5424 TIMESTAMP: at most 6 fraction digits (TIME-SECFRAC); the record keeps all 9 in MSG. */
export function syslogTimestamp(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(rfc3339);
  if (!m) return '-';
  return `${m[1]!.toUpperCase()}${m[2] ? `.${m[2].slice(0, 6)}` : ''}${m[3]!.toUpperCase()}`;
}

/** PRINTUSASCII, no space, at most `max` chars, or the NILVALUE. */
function headerField(text: string, max: number): string {
  const clean = text.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** One RFC 5424 message for an entry (no framing). */
export function syslogMessage(e: Entry, host: string, cee: boolean): Buffer {
  const header = `<${PRI}>1 ${syslogTimestamp(e.record.timestamp)} ${headerField(host, 255)} prec - ${headerField(e.record.record_type, 32)} -`;
  return Buffer.from(`${header} ${cee ? '@cee: ' : ''}${e.line.trimEnd()}`, 'utf8');
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function octetCounted(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${msg.length} `), msg]);
}

export class SyslogSink implements Sink {
  private socket: Socket | undefined;
  private dgram: UnixDatagram | undefined;
  private broken: Error | undefined;

  constructor(
    private readonly config: SyslogSinkConfig,
    private readonly host: string,
  ) {}

  async send(entries: readonly Entry[]): Promise<void> {
    const messages = entries.map((e) => syslogMessage(e, this.host, this.config.cee));
    if (this.config.address.startsWith('unix://')) {
      this.dgram ??= new UnixDatagram(this.config.address.slice('unix://'.length));
      await this.dgram.sendAll(messages);
      return;
    }
    const socket = await this.connected();
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.concat(messages.map(octetCounted)), (err) => {
        if (err || this.broken) {
          this.drop();
          reject(new Error(err?.message ?? this.broken!.message));
        } else resolve();
      });
    });
  }

  private connected(): Promise<Socket> {
    if (this.socket && !this.broken) return Promise.resolve(this.socket);
    this.drop();
    const m = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(this.config.address)!;
    return new Promise((resolve, reject) => {
      const s = connect({ host: m[1]!, port: Number(m[2]) });
      s.setNoDelay(true);
      const fail = (err: Error): void => {
        s.destroy();
        reject(new Error(`cannot connect to ${this.config.address}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        // Later errors and a close by the receiver mark the connection broken: the next send reconnects.
        s.on('error', (err) => void (this.broken = err));
        s.on('close', () => void (this.broken ??= new Error(`${this.config.address} closed the connection`)));
        // Nothing is expected from the receiver; reading keeps a close noticed.
        s.resume();
        this.socket = s;
        this.broken = undefined;
        resolve(s);
      });
    });
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.broken = undefined;
  }

  async close(): Promise<void> {
    if (this.socket) await new Promise<void>((resolve) => this.socket!.end(resolve));
    this.socket = undefined;
    this.dgram?.close();
  }
}
