// The text bar chart of `prec stats`: one line per bucket, a bar scaled to the busiest one.
import type { Histogram } from './buckets.js';

const BAR_WIDTH = 50;

/** `2026-12-01 10:00  ████████▌  1234 (3 failed)` lines; empty when there is no bucket. */
export function barChart(h: Histogram, width = BAR_WIDTH): string[] {
  const max = Math.max(0, ...h.buckets.map((b) => b.commands));
  const countWidth = String(max).length;
  return h.buckets.map((b) => {
    const bar = max > 0 ? bars((b.commands * width) / max) : '';
    const failed = b.failures > 0 ? `  (${b.failures} failed)` : '';
    return `${b.start}  ${String(b.commands).padStart(countWidth)} ${bar}${failed}`;
  });
}

// Eighths of a cell, so that small differences still show.
const PARTS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bars(cells: number): string {
  const whole = Math.floor(cells);
  const eighths = Math.round((cells - whole) * 8);
  if (eighths === 8) return '█'.repeat(whole + 1);
  const s = '█'.repeat(whole) + PARTS[eighths]!;
  // A non-zero count always shows at least a sliver.
  return s === '' && cells > 0 ? '▏' : s;
}
