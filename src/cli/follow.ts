// placeholder until src/log lands
import type { Formatter } from './format.js';
import type { RowBag } from './merge.js';
import type { Output } from './output.js';
import type { ReadStats } from './input.js';
export interface FollowContext {
  input: string; allLogs: boolean; matches: (row: RowBag) => boolean; needEnd: boolean; limit: number;
  formatter: Formatter; out: Output; signal: AbortSignal; stats: ReadStats;
}
export async function followView(_ctx: FollowContext): Promise<void> { throw new Error('follow not implemented'); }
