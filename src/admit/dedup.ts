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
 * redeliveries. A Map answers lookups; each recorded key is re-inserted at its end, so its order is oldest first.
 * Eviction and expiry work from the front of a separate record queue, not by iterating the Map: V8 leaves a
 * deleted Map entry as a hole until the table is rehashed, and every new iterator walks the holes from the start,
 * so once the cache was full (dedup_max_entries) each record cost 10-130 µs. Queue entries that no longer match
 * the Map (the key was forgotten, or recorded again later) are skipped. Assumes `nowMs` does not go backwards.
 */
export class DedupCache {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #seenAt = new Map<string, number>();
  /** Every record(), in order: key and time, read from `#head` on. */
  #queueKeys: string[] = [];
  #queueTimes: number[] = [];
  #head = 0;

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

    this.#remember(key, nowMs);
    return false;
  }

  /** True when `key` was recorded within the window; records nothing (the edge records once the alert is durable). */
  has(key: string, nowMs: number): boolean {
    const seenAt = this.#seenAt.get(key);
    return seenAt !== undefined && nowMs - seenAt < this.#windowMs;
  }

  /** Records `key` as seen at `atMs` (its alert is journaled, or a restart read it back from data_dir). */
  record(key: string, atMs: number): void {
    this.#remember(key, atMs);
  }

  /** Keys still inside the window with the time they were seen, oldest first: what a restart must remember. */
  *entries(nowMs: number): IterableIterator<[string, number]> {
    for (const entry of this.#seenAt) if (nowMs - entry[1] < this.#windowMs) yield entry;
  }

  /** Forget a key, e.g. when accepting the delivery failed and the provider's retry must get through. */
  forget(key: string): void {
    this.#seenAt.delete(key);
  }

  #remember(key: string, atMs: number): void {
    this.#seenAt.delete(key);
    this.#seenAt.set(key, atMs);
    this.#queueKeys.push(key);
    this.#queueTimes.push(atMs);
    this.#expire(atMs);
    // Keys recorded again leave stale entries behind; rebuilt from the Map (same order) before they pile up.
    if (this.#queueKeys.length - this.#head > 2 * this.#maxEntries + 1024) {
      this.#queueKeys = [...this.#seenAt.keys()];
      this.#queueTimes = [...this.#seenAt.values()];
      this.#head = 0;
    }
  }

  #expire(nowMs: number): void {
    const keys = this.#queueKeys;
    const times = this.#queueTimes;
    let head = this.#head;
    while (head < keys.length) {
      const key = keys[head] as string;
      const at = times[head] as number;
      if (this.#seenAt.get(key) === at) {
        if (this.#seenAt.size <= this.#maxEntries && nowMs - at < this.#windowMs) break;
        this.#seenAt.delete(key);
      }
      head++;
    }
    // Drop the consumed front once it is most of the queue: amortized O(1) per record.
    if (head > 1024 && head * 2 > keys.length) {
      this.#queueKeys = keys.slice(head);
      this.#queueTimes = times.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
