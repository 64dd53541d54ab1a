// The embedded defaults of precd (SPEC section 6): what precd runs on when /etc/prec/precd.conf is
// absent, and the base every config file is applied over.

export type Compress = 'no' | 'gz' | 'zstd';
export type LostSamplesAction = 'log' | 'ignore' | 'stop';
export type FilterDefault = 'allow' | 'deny';

/** A validated precd configuration; keys are the TOML keys. */
export interface Config {
  readonly log_path: string;
  readonly compress: Compress;
  /** The effective level: the configured one, else the default of `compress` (zstd 3, gz 6); 0 for "no". */
  readonly compress_level: number;
  readonly flush_interval_ms: number;
  readonly user_only: boolean;
  readonly lost_samples_action: LostSamplesAction;
  readonly filter_default: FilterDefault;
  /** Ordered rules, each `+QUERY` (keep) or `-QUERY` (drop), already checked to compile. */
  readonly filter: readonly string[];
  readonly max_args: number;
  readonly max_arg_length: number;
  readonly ring_buffer_mb: number;
  readonly lock_path: string;
  /** Prometheus textfile (metrics.ts); "" writes none. */
  readonly metrics_path: string;
  readonly metrics_interval_s: number;
  /** A seal record at least this often, seconds (SPEC 12). */
  readonly seal_interval_s: number;
  /** Sealing state made by `precd --setup-keys`; absent file: chain-only seals. */
  readonly seal_key_path: string;
  /** precd lowers its nice value by this much at start (as auditd's priority_boost): 0..20. */
  readonly priority_boost: number;
}

export const DEFAULT_CONFIG_PATH = '/etc/prec/precd.conf';

/** Default compression level of each format; also the valid range. */
export const COMPRESS_LEVELS: Readonly<Record<Compress, { readonly default: number; readonly min: number; readonly max: number }>> = {
  zstd: { default: 3, min: 1, max: 19 },
  gz: { default: 6, min: 1, max: 9 },
  no: { default: 0, min: 0, max: 0 },
};

export const DEFAULT_CONFIG: Config = Object.freeze({
  log_path: '/var/log/prec/prec.log',
  compress: 'zstd',
  compress_level: COMPRESS_LEVELS.zstd.default,
  flush_interval_ms: 200,
  user_only: false,
  lost_samples_action: 'log',
  filter_default: 'allow',
  filter: Object.freeze([]) as readonly string[],
  max_args: 128,
  max_arg_length: 1024,
  ring_buffer_mb: 16,
  lock_path: '/run/precd.lock',
  // Where Debian's prometheus-node-exporter reads textfiles from.
  metrics_path: '/var/lib/prometheus/node-exporter/prec.prom',
  metrics_interval_s: 15,
  seal_interval_s: 60,
  seal_key_path: '/var/lib/prec/seal.key',
  // auditd's default: keeps precd ahead of busy loops on a saturated host.
  priority_boost: 4,
});
