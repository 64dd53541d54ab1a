// `prec stats` (SPEC 14): counters over selected rows, and the bar chart of commands over time.
// The CLI (src/cli/stats.ts) reads and selects rows, feeds StatsCounter.add, and prints summary().
export { StatsCounter, type StatsSummary, type TopEntry } from './counters.js';
export { TimeBuckets, HOURLY_MAX_HOURS, type Histogram, type Bucket } from './buckets.js';
export { barChart } from './chart.js';
