// The machine-readable results of one `just bench` run (bench/results/*.json), which
// docs/benchmarks.md is rendered from.
import type { CaptureResults } from '../sections/capture.js';
import type { SlowdownResult } from '../sections/slowdown.js';
import type { BytesRow } from '../sections/bytes.js';
import type { FollowResult } from '../sections/follow.js';
import type { QueryResults } from '../sections/query.js';
import type { ExternalResult } from '../sections/external.js';
import type { FleetParams, FleetResults } from '../sections/fleet.js';
import type { PeersParams, PeersResults } from '../sections/peers.js';
import type { StartupResult } from '../sections/startup.js';
import type { WindowResults } from '../sections/window.js';

export interface Meta {
  started: string;
  finished: string;
  duration_s: number;
  commit: string;
  host: { cpus: number; model: string; mem_gb: number; kernel: string; os: string; node: string };
  versions: Record<string, string>;
  installed: string[];
  params: Params;
  /** Sections taken over from an earlier run (a run with --only). */
  carried_over: string[];
}

export interface Params {
  quick: boolean;
  cores: number;
  storm_ps: number[];
  n_precd: number;
  n_peer: number;
  slowdown_n: number;
  slowdown_pairs: number;
  bytes_n: number;
  follow_samples: number;
  query_commands: number;
  query_rounds: number;
  startup_rounds?: number;
  fleet?: FleetParams;
  peers?: PeersParams;
  window?: { days: number; commands_per_day: number; pairs: number };
}

export interface Results {
  meta: Meta;
  capture?: CaptureResults;
  slowdown?: SlowdownResult[];
  bytes?: BytesRow[];
  follow?: FollowResult;
  query?: QueryResults;
  pipeline?: ExternalResult;
  query_predicate?: ExternalResult;
  fleet?: FleetResults;
  peers?: PeersResults;
  startup?: StartupResult;
  window?: WindowResults;
}

export const SECTIONS = ['capture', 'slowdown', 'bytes', 'follow', 'pipeline', 'query_predicate', 'query', 'fleet', 'peers', 'startup', 'window'] as const;
export type SectionName = (typeof SECTIONS)[number];
