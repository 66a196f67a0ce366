export const JITTER_MODES = ['full', 'equal', 'none'] as const;
export type JitterMode = (typeof JITTER_MODES)[number];

/**
 * How long to wait before retry number `attempt`.
 *
 * @example
 * ```
 * backoffDelay(3, { baseMs: 1000, maxMs: 30000, jitter: 'equal' }); // between 2000 and 4000
 * ```
 */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. @default 1000 */
  readonly baseMs?: number;
  /** Ceiling for the exponential part. @default 30000 */
  readonly maxMs?: number;
  /**
   * `full`: uniform in [0, d]; `equal`: uniform in [d/2, d]; `none`: d. Jitter spreads the retries of many
   * alerts that failed together so they do not hit SL1 again in one burst. @default 'equal'
   */
  readonly jitter?: JitterMode;
  /** Uniform random in [0, 1); injected by tests. @default Math.random */
  readonly random?: () => number;
}

/** Exponential backoff: d = min(maxMs, baseMs * 2^(attempt-1)), then jitter. `attempt` is 1 for the first retry. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 1000, maxMs = 30_000, jitter = 'equal', random = Math.random } = options;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity long after it passes maxMs, and min() handles Infinity.
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  switch (jitter) {
    case 'full':
      return Math.round(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    case 'none':
      return Math.round(ceiling);
  }
}
