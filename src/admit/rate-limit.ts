import { optionChecks, SettingError, type OptionChecks } from '../errors/index.js';

const checkOption: OptionChecks = optionChecks((message) => new SettingError('invalid_rate_limit', message));

/**
 * How many requests a key may make per window.
 * @example { max: 100, windowMs: 60_000 } // `<source>_rate_limit = 100/1m`, parsed by config/units.ts parseRateLimit
 */
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Counter {
  windowStart: number;
  current: number;
  previous: number;
}

/**
 * Sliding-window-counter limiter: per key, counts in the current and previous fixed windows, with the
 * previous one weighted by how much of it still overlaps the sliding window. O(keys) memory, O(1) per call;
 * the approximation assumes requests were evenly spread over the previous window.
 */
/** Key that every new key shares once a limiter tracks `maxKeys` keys. */
const OVERFLOW_KEY = '\u0000overflow';

export class SlidingWindowLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #counters = new Map<string, Counter>();
  #nextSweep = 0;

  /**
   * @param options.maxKeys - keys tracked at most; past it, new keys share one counter, so memory stays
   *   bounded when keys come from the network (client addresses). @default unbounded
   */
  constructor({ max, windowMs }: RateLimit, { maxKeys = Number.POSITIVE_INFINITY }: { readonly maxKeys?: number } = {}) {
    checkOption.positiveInteger('max', max);
    checkOption.positiveInteger('windowMs', windowMs);
    this.#max = max;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.#counters.size;
  }

  /** Count one request for `key` if it is within the limit; refused requests are not counted. */
  take(key: string, nowMs: number): RateDecision {
    return this.#decide(key, nowMs, true);
  }

  /** Whether one more request for `key` would be within the limit now; counts nothing. */
  check(key: string, nowMs: number): RateDecision {
    return this.#decide(key, nowMs, false);
  }

  #decide(key: string, nowMs: number, isCounted: boolean): RateDecision {
    this.#sweep(nowMs);
    const windowMs = this.#windowMs;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    const tracked = this.#counters.has(key) || this.#counters.size < this.#maxKeys ? key : OVERFLOW_KEY;
    let counter = this.#counters.get(tracked);
    if (counter === undefined) {
      counter = { windowStart, current: 0, previous: 0 };
      this.#counters.set(tracked, counter);
    } else if (counter.windowStart !== windowStart) {
      const isNext = windowStart - counter.windowStart === windowMs;
      counter.previous = isNext ? counter.current : 0;
      counter.current = 0;
      counter.windowStart = windowStart;
    }

    // Scaled by the window length so integer inputs stay exact: previous·(W − elapsed)/W + current + 1 ≤ max.
    const elapsed = nowMs - windowStart;
    if (counter.previous * (windowMs - elapsed) + (counter.current + 1) * windowMs <= this.#max * windowMs) {
      if (isCounted) counter.current += 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: this.#retryAfterSeconds(counter, elapsed) };
  }

  /** Time until one more request fits: the earliest t with previous·(W − t) ≤ (max − 1 − current)·W. */
  #retryAfterSeconds({ previous, current }: Counter, elapsed: number): number {
    const windowMs = this.#windowMs;
    const room = this.#max - 1;
    let waitMs: number;
    if (current <= room) {
      // Fits later in this window, once enough of the previous window has slid out (previous > 0 here).
      waitMs = windowMs - Math.floor(((room - current) * windowMs) / previous) - elapsed;
    } else {
      // Only after this window ends, when `current` becomes the weighted previous window.
      waitMs = windowMs - elapsed + windowMs - Math.floor((room * windowMs) / current);
    }
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Drop keys idle for two windows, at most once per window, so memory follows active keys only. */
  #sweep(nowMs: number): void {
    if (nowMs < this.#nextSweep) return;
    this.#nextSweep = nowMs + this.#windowMs;
    const horizon = nowMs - 2 * this.#windowMs;
    for (const [key, counter] of this.#counters) {
      if (counter.windowStart < horizon) this.#counters.delete(key);
    }
  }
}
