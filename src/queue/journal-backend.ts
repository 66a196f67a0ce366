/**
 * The queue backend of one GenHook on one box: the fsync'ed journal holds what waits, the dead-letter
 * file what was given up on. Only one process writes a data_dir (see store/data-dir-lock.ts), so nobody
 * else can hold an alert and there is never anything to claim.
 */
import type { Alert } from '../alert.js';
import type { DeadLetterFile } from '../dead-letter/index.js';
import type { Journal } from '../enqueue/index.js';
import type { OfferItem, OfferResult, QueueBackend, QueuedAlert, QueueStats } from './backend.js';

export interface JournalBackendOptions {
  readonly journal: Journal;
  readonly deadLetter: DeadLetterFile;
  /** What the journal still held when it was opened (openJournal's `pending`). */
  readonly recovered: readonly Alert[];
  /** Alerts stored at most; offer() answers `full` beyond. */
  readonly maxSize: number;
  /** How long a dedup key is remembered. */
  readonly dedupWindowMs: number;
  readonly now?: () => number;
}

export function createJournalBackend(options: JournalBackendOptions): QueueBackend {
  return new JournalBackend(options);
}

class JournalBackend implements QueueBackend {
  readonly kind = 'journal';
  readonly #o: JournalBackendOptions;
  readonly #now: () => number;
  /** Stored, not yet reserved, oldest first. */
  readonly #ready: Alert[] = [];
  readonly #held = new Set<string>();
  /** Stored and not completed (the journal's own size lags until its next batch is written). */
  readonly #live = new Set<string>();
  /** dedup key → expiry; insertion order is expiry order, so pruning stops at the first live one. */
  readonly #seen = new Map<string, number>();
  #recovered: readonly Alert[] | undefined;
  #wake: (() => void) | undefined;

  constructor(options: JournalBackendOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#recovered = options.recovered;
    for (const alert of options.recovered) this.#live.add(alert.id);
  }

  async offer(items: readonly OfferItem[]): Promise<OfferResult> {
    if (this.#live.size + items.length > this.#o.maxSize) return { kind: 'full' };
    const now = this.#now();
    this.#prune(now);
    const duplicates = new Set<string>();
    const fresh: Alert[] = [];
    const keys: string[] = [];
    for (const { alert, dedupKeys = [] } of items) {
      if (dedupKeys.some((key) => this.#seen.has(key) || keys.includes(key))) duplicates.add(alert.id);
      else {
        fresh.push(alert);
        keys.push(...dedupKeys);
      }
    }
    if (fresh.length > 0) await this.#o.journal.append(fresh);
    // Remembered only once durable: a failed write must not turn the provider's retry into a "duplicate".
    for (const key of keys) this.#seen.set(key, now + this.#o.dedupWindowMs);
    for (const alert of fresh) this.#live.add(alert.id);
    this.#ready.push(...fresh);
    this.#wake?.();
    return { kind: 'stored', duplicates };
  }

  async reserve(max: number, waitMs: number): Promise<QueuedAlert[]> {
    if (this.#ready.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
    return this.#ready.splice(0, max).map((alert) => this.#hold(alert, 0));
  }

  claim(): Promise<QueuedAlert[]> {
    return Promise.resolve([]);
  }

  touch(tokens: readonly string[]): Promise<ReadonlySet<string>> {
    return Promise.resolve(new Set(tokens.filter((token) => this.#held.has(token))));
  }

  complete(item: QueuedAlert): Promise<void> {
    this.#forget(item);
    return Promise.resolve();
  }

  async deadLetter(item: QueuedAlert, entry: Parameters<QueueBackend['deadLetter']>[1]): Promise<void> {
    // Only once the entry is in the file does the alert leave the journal: a failed append keeps it for the next start.
    await this.#o.deadLetter.append(entry);
    this.#forget(item);
  }

  recover(): Promise<QueuedAlert[]> {
    const recovered = this.#recovered ?? [];
    this.#recovered = undefined;
    return Promise.resolve(recovered.map((alert) => this.#hold(alert, 1)));
  }

  stats(): Promise<QueueStats> {
    return Promise.resolve({ pending: this.#live.size, held: this.#held.size });
  }

  async close(): Promise<void> {
    this.#wake?.();
    await this.#o.journal.close();
    await this.#o.deadLetter.close();
  }

  #forget(item: QueuedAlert): void {
    this.#held.delete(item.token);
    this.#live.delete(item.alert.id);
    this.#o.journal.complete(item.alert.id);
  }

  #hold(alert: Alert, redeliveries: number): QueuedAlert {
    this.#held.add(alert.id);
    return { alert, token: alert.id, redeliveries };
  }

  #prune(now: number): void {
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(key);
    }
  }
}
