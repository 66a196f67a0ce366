import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { assertPositiveInteger, DeliveryFailure } from './errors.js';

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/**
 * When to stop sending to SL1 for a while. Only retryable failures count: a 4xx answer shows SL1 is up.
 *
 * @example
 * ```
 * { errorThresholdPercentage: 50, volumeThreshold: 5, rollingWindowMs: 10000, resetTimeoutMs: 5000 }
 * ```
 */
export interface BreakerOptions {
  /** Failure share of the rolling window, in percent, above which the breaker opens. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Attempts the window must hold before it may open. @default 5 */
  readonly volumeThreshold?: number;
  /** Length of the rolling window. @default 10000 */
  readonly rollingWindowMs?: number;
  /**
   * Time open before one probe is let through. Short on purpose: an 8 s outage should not leave alerts
   * waiting half a minute more. @default 5000
   */
  readonly resetTimeoutMs?: number;
}

export interface Breaker {
  readonly state: BreakerState;
  /**
   * Runs `task` unless the breaker is open; then it rejects at once with code `EOPENBREAKER`.
   * `isProbe` is true for the single call let through while half-open.
   */
  run<T>(task: (isProbe: boolean) => Promise<T>): Promise<T>;
  shutdown(): void;
}

const BUCKETS = 10;

/** How one SL1 call ended, kept so it can be handed to opossum after the fact. */
type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export function isBreakerOpenError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

async function settle(task: () => Promise<unknown>): Promise<Settled> {
  try {
    return { ok: true, value: await task() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * `false` gives a breaker that never opens, for comparisons and for users who want none.
 *
 * opossum counts a call in its failure rate when the call STARTS (`failures / fires`). With many calls in
 * flight against an SL1 that fails fast, every failure frees a slot for a new call, so the rate would only
 * pass 50 % after about twice the concurrency. So while closed the SL1 call runs outside opossum, and its
 * outcome is fed in when it settles by a `fire` that settles at once: fires are then settled calls. Open
 * and half-open calls go through opossum itself, which rejects them or lets exactly one through as the probe.
 */
export function createBreaker(options: BreakerOptions | false, onState: (state: BreakerState) => void): Breaker {
  if (options === false) {
    return { state: 'closed', run: (task) => task(false), shutdown: () => {} };
  }
  const {
    errorThresholdPercentage = 50,
    volumeThreshold = 5,
    rollingWindowMs = 10_000,
    resetTimeoutMs = 5_000,
  } = options;
  assertPositiveInteger('breaker.rollingWindowMs', rollingWindowMs);
  assertPositiveInteger('breaker.resetTimeoutMs', resetTimeoutMs);
  assertPositiveInteger('breaker.errorThresholdPercentage', errorThresholdPercentage);
  // We rotate the buckets ourselves so a close can start a clean window: opossum keeps the outage's
  // failures in it, and one more failure right after recovery would reopen the breaker.
  const rotator = new EventEmitter();
  const timer = setInterval(() => rotator.emit('rotate'), Math.max(1, Math.floor(rollingWindowMs / BUCKETS)));
  timer.unref();
  const breaker = new CircuitBreaker((job: () => Promise<unknown>): Promise<unknown> => job(), {
    timeout: false, // the dispatcher bounds each attempt itself and aborts the request
    errorThresholdPercentage,
    volumeThreshold,
    rollingCountTimeout: rollingWindowMs,
    rollingCountBuckets: BUCKETS,
    resetTimeout: resetTimeoutMs,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    rotateBucketController: rotator,
    errorFilter: (err: unknown) => err instanceof DeliveryFailure && err.outcome.kind === 'permanent',
  } as CircuitBreaker.Options);
  let state: BreakerState = 'closed';
  /** Bumped on every transition: an outcome counts only in the closed period its call started in. */
  let period = 0;
  const moveTo = (next: BreakerState) => {
    period++;
    state = next;
    onState(next);
  };
  breaker.on('open', () => moveTo('open'));
  breaker.on('halfOpen', () => moveTo('half_open'));
  breaker.on('close', () => {
    for (let i = 0; i < BUCKETS; i++) rotator.emit('rotate');
    moveTo('closed');
  });

  const record = async (settled: Settled): Promise<void> => {
    // A failure throws inside opossum's call, so the rate check (and any open) happens within fire().
    const replay = () => {
      if (!settled.ok) throw settled.error;
      return Promise.resolve(settled.value);
    };
    await breaker.fire(replay).catch(() => {}); // the caller gets the real outcome, not this copy
  };

  const runClosed = async <T>(task: (isProbe: boolean) => Promise<T>): Promise<T> => {
    const startedIn = period;
    const settled = await settle(() => task(false));
    // A late outcome from before an open must not take the half-open probe's place or dirty a fresh window.
    if (startedIn === period && breaker.closed) await record(settled);
    if (!settled.ok) throw settled.error;
    return settled.value as T;
  };

  return {
    get state() {
      return state;
    },
    run: <T>(task: (isProbe: boolean) => Promise<T>): Promise<T> => {
      if (breaker.closed) return runClosed(task);
      // Open or shut down: opossum rejects. Half-open: it lets exactly one call through, whose outcome
      // closes or reopens the breaker.
      return breaker.fire(() => task(breaker.halfOpen)) as Promise<T>;
    },
    shutdown() {
      clearInterval(timer);
      breaker.shutdown();
    },
  };
}
