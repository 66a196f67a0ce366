import { admitCall, INITIAL_BREAKER_STATUS, nextBreakerStatus, type BreakerEvent, type BreakerRules, type BreakerState } from './breaker-policy.js';
import { assertPositiveInteger, DeliveryFailure } from './errors.js';

export { BREAKER_STATES, type BreakerState } from './breaker-policy.js';

/**
 * When to stop sending to SL1 for a while (see breaker-policy.ts). Only retryable failures count: a 4xx
 * answer shows SL1 is up. Example: `{ errorThresholdPercentage: 50, volumeThreshold: 5, rollingWindowMs: 10000, resetTimeoutMs: 5000 }`.
 */
export interface BreakerOptions {
  /** Failure share of the rolling window, in percent, above which the breaker opens. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Settled calls the window must hold before it may open. @default 5 */
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

export function isBreakerOpenError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

/** What the breaker counts as SL1 failing: anything but an answer that refuses this one alert. */
function isFailure(err: unknown): boolean {
  return !(err instanceof DeliveryFailure && err.outcome.kind === 'permanent');
}

class BreakerOpenError extends Error {
  override readonly name = 'BreakerOpenError';
  readonly code = 'EOPENBREAKER';
}

/** `false` gives a breaker that never opens, for comparisons and for users who want none. */
export function createBreaker(options: BreakerOptions | false, onState: (state: BreakerState) => void): Breaker {
  if (options === false) {
    return { state: 'closed', run: (task) => task(false), shutdown: () => {} };
  }
  const rules: BreakerRules = {
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    rollingWindowMs: options.rollingWindowMs ?? 10_000,
    resetTimeoutMs: options.resetTimeoutMs ?? 5_000,
  };
  assertPositiveInteger('breaker.rollingWindowMs', rules.rollingWindowMs);
  assertPositiveInteger('breaker.resetTimeoutMs', rules.resetTimeoutMs);
  assertPositiveInteger('breaker.errorThresholdPercentage', rules.errorThresholdPercentage);
  let status = INITIAL_BREAKER_STATUS;
  let resetTimer: NodeJS.Timeout | undefined;
  let isShutDown = false;
  const apply = (event: BreakerEvent): void => {
    const previous = status;
    status = nextBreakerStatus(status, event, rules);
    if (status.state === previous.state) return;
    clearTimeout(resetTimer);
    if (status.state === 'open') {
      const { period } = status;
      resetTimer = setTimeout(() => apply({ type: 'reset_timeout', period }), rules.resetTimeoutMs);
      resetTimer.unref(); // an open breaker alone does not keep the process alive
    }
    onState(status.state);
  };
  return {
    get state() {
      return status.state;
    },
    async run<T>(task: (isProbe: boolean) => Promise<T>): Promise<T> {
      const admission = isShutDown ? 'reject' : admitCall(status);
      if (admission === 'reject') throw new BreakerOpenError(`SL1 circuit breaker is ${status.state}`);
      const { period } = status;
      const isProbe = admission === 'probe';
      if (isProbe) apply({ type: 'probe_started' });
      let value: T;
      try {
        value = await task(isProbe);
      } catch (err) {
        apply({ type: 'settled', period, isFailure: isFailure(err), now: Date.now() });
        throw err;
      }
      apply({ type: 'settled', period, isFailure: false, now: Date.now() });
      return value;
    },
    shutdown() {
      isShutDown = true;
      clearTimeout(resetTimer);
    },
  };
}
