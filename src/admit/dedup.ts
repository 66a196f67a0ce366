import { optionChecks, SettingError, type OptionChecks } from '../errors/index.js';

const checkOption: OptionChecks = optionChecks((message) => new SettingError('invalid_option', message));

/**
 * @example new DedupCache({ windowMs: 3_600_000, maxEntries: 100_000 })
 */
export interface DedupOptions {
  /** How long a key counts as seen, milliseconds. Cover the provider's redelivery span where memory allows. */
  readonly windowMs: number;
  /** Most keys kept; beyond it the oldest are forgotten first, so memory stays bounded under a flood. */
  readonly maxEntries: number;
}

/**
 * Remembers delivery ids (GitHub `X-GitHub-Delivery`, Stripe event `id`, Slack `event_id`, ...) to drop
 * redeliveries. A Map keeps insertion order, and each recorded key is re-inserted at the end, so the
 * first entry is always the oldest: eviction and expiry both work from the front in O(1) per entry.
 * Assumes `nowMs` does not go backwards (pass a monotonic-ish clock).
 */
export class DedupCache {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #seenAt = new Map<string, number>();

  constructor({ windowMs, maxEntries }: DedupOptions) {
    checkOption.positiveNumber('windowMs', windowMs);
    checkOption.positiveInteger('maxEntries', maxEntries);
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Keys currently remembered (expired ones may linger until the next `seen`). */
  get size(): number {
    return this.#seenAt.size;
  }

  /**
   * True when `key` was recorded within the window (it is not refreshed, so the window counts from the
   * first delivery); otherwise records it and returns false.
   */
  seen(key: string, nowMs: number): boolean {
    const seenAt = this.#seenAt.get(key);
    if (seenAt !== undefined && nowMs - seenAt < this.#windowMs) return true;

    this.#seenAt.delete(key);
    this.#seenAt.set(key, nowMs);
    this.#expire(nowMs);
    return false;
  }

  /** True when `key` was recorded within the window; records nothing (the edge records once the alert is durable). */
  has(key: string, nowMs: number): boolean {
    const seenAt = this.#seenAt.get(key);
    return seenAt !== undefined && nowMs - seenAt < this.#windowMs;
  }

  /** Records `key` as seen at `atMs` (its alert is journaled, or a restart read it back from data_dir). */
  record(key: string, atMs: number): void {
    this.#seenAt.delete(key);
    this.#seenAt.set(key, atMs);
    this.#expire(atMs);
  }

  /** Keys still inside the window with the time they were seen, oldest first: what a restart must remember. */
  *entries(nowMs: number): IterableIterator<[string, number]> {
    for (const entry of this.#seenAt) if (nowMs - entry[1] < this.#windowMs) yield entry;
  }

  /** Forget a key, e.g. when accepting the delivery failed and the provider's retry must get through. */
  forget(key: string): void {
    this.#seenAt.delete(key);
  }

  #expire(nowMs: number): void {
    for (const [key, seenAt] of this.#seenAt) {
      if (this.#seenAt.size > this.#maxEntries || nowMs - seenAt >= this.#windowMs) this.#seenAt.delete(key);
      else break;
    }
  }
}
