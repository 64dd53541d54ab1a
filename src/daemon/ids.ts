// event_id = `<precd start time YYYYMMDDhhmmss, local>-<sequence>`; one per start and fail record,
// handed out when the record is written, so the sequence follows the order of the log.

export class EventIds {
  private seq = 0;
  readonly prefix: string;

  constructor(startedAt: Date = new Date()) {
    this.prefix = localStamp(startedAt);
  }

  next(): string {
    this.seq++;
    return `${this.prefix}-${this.seq}`;
  }

  get issued(): number {
    return this.seq;
  }
}

export function localStamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
