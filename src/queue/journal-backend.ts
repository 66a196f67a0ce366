/**
 * The queue backend of one GenHook on one box: the fsync'ed journal holds what waits, the dead-letter
 * file what was given up on. Only one process writes a data_dir (see store/data-dir-lock.ts), so nobody
 * else can hold an alert and there is never anything to claim.
 *
 * Memory stays within the queue's bounds in bytes as well as in count: offer() refuses past them, and the
 * alerts recovered beyond them at start (the backlog) stay in the file until a reserve reads them back, one
 * by one, ahead of anything offered since (their room was taken first).
 *
 * A waiting alert is kept in memory without its origin (the request body kept for re-rendering a dead letter):
 * only a dead letter needs it, and then it is read back from the journal, where the alert still is. Each alert
 * still counts its body against the bounds (see alertBytes), so they hold as before.
 */
import { alertBytes, type Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import type { BacklogEntry, Journal } from '../enqueue/index.js';
import type { OfferItem, OfferResult, QueueBackend, QueuedAlert, QueueStats } from './backend.js';
import { sleepUntilWoken } from './wake.js';

/** Where delivery keys seen are remembered: the edge's dedup cache (DedupCache), which the journal persists. */
export interface SeenKeys {
  has(key: string, now: number): boolean;
  record(key: string, at: number): void;
}

export interface JournalBackendOptions {
  readonly journal: Pick<Journal, 'append' | 'read' | 'complete' | 'close'>;
  /** Where dead letters go; an append that rejects keeps the alert journaled (it is dead-lettered again after a restart). */
  readonly deadLetter: { append(entry: DeadLetterEntry): Promise<void>; close?(): Promise<void> };
  /** What the journal still held when it was opened (openJournal's `pending`). */
  readonly recovered: readonly Alert[];
  /** Recovered alerts beyond the bounds, still only in the file (openJournal's `backlog`). @default [] */
  readonly backlog?: readonly BacklogEntry[];
  /** Alerts stored at most (queue_max_size); a function follows a reload. offer() answers `full` beyond. */
  readonly maxSize: number | (() => number);
  /** Bytes of alerts stored at most (queue_max_bytes, see alertBytes). @default no bound */
  readonly maxBytes?: () => number;
  /** Delivery keys already stored: an offer whose key is here is a duplicate; a stored one's keys are recorded. */
  readonly seen: SeenKeys;
  readonly now?: () => number;
  readonly logger?: { warn(details: object, message: string): void };
}

/** The journal backend also tells how much of the recovered backlog is still only in the file (/ready). */
export interface LocalQueueBackend extends QueueBackend {
  readonly kind: 'journal';
  readonly backlogSize: number;
}

export function createJournalBackend(options: JournalBackendOptions): LocalQueueBackend {
  return new JournalBackend(options);
}

/** The options kept for the backend's life: not the recovered alerts, which must be garbage once delivered. */
type KeptOptions = Omit<JournalBackendOptions, 'recovered' | 'backlog'>;

class JournalBackend implements QueueBackend {
  readonly kind = 'journal';
  readonly #options: KeptOptions;
  readonly #now: () => number;
  readonly #seen: SeenKeys;
  /** Stored, not yet reserved, oldest first; `#head` is the next one (shift() would copy the rest each time). */
  #ready: (Alert | undefined)[] = [];
  #head = 0;
  #backlog: readonly BacklogEntry[];
  #backlogNext = 0;
  readonly #held = new Set<string>();
  /** Stored and not completed, with the bytes each counts for (negative: a backlog entry still only in the file). */
  readonly #live = new Map<string, number>();
  #liveBytes = 0;
  /** Of the live bytes, those of alerts in memory (not backlog entries still only in the file). */
  #memoryBytes = 0;
  #memoryCount = 0;
  /** Offers waiting for their journal write: their room is taken. */
  #writing = { count: 0, bytes: 0 };
  #recovered: readonly Alert[] | undefined;
  /** Ids of the alerts held without their origin (it is in the journal): a dead letter reads it back. */
  readonly #originInJournal = new Set<string>();
  #wake: (() => void) | undefined;

  constructor({ recovered, backlog = [], ...options }: JournalBackendOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#seen = options.seen;
    this.#recovered = recovered.map((alert) => this.#kept(alert));
    this.#backlog = backlog;
    for (const entry of this.#backlog) this.#addLive(entry.id, entry.bytes, false);
  }

  async offer(items: readonly OfferItem[]): Promise<OfferResult> {
    const now = this.#now();
    const duplicates = new Set<string>();
    const fresh: Alert[] = [];
    const keys: string[] = [];
    for (const { alert, dedupKeys = [] } of items) {
      if (dedupKeys.some((key) => this.#seen.has(key, now) || keys.includes(key))) duplicates.add(alert.id);
      else {
        fresh.push(alert);
        keys.push(...dedupKeys);
      }
    }
    if (fresh.length === 0) return { kind: 'stored', duplicates };
    const bytes = fresh.reduce((sum, alert) => sum + alertBytes(alert), 0);
    const limit = this.#fullBy(fresh.length, bytes);
    if (limit !== undefined) return { kind: 'full', limit };
    this.#writing = { count: this.#writing.count + fresh.length, bytes: this.#writing.bytes + bytes };
    try {
      await this.#options.journal.append(fresh, keys.map((key) => ({ key, at: now })));
    } finally {
      this.#writing = { count: this.#writing.count - fresh.length, bytes: this.#writing.bytes - bytes };
    }
    // Remembered only once durable: a failed write must not turn the provider's retry into a "duplicate".
    for (const key of keys) this.#seen.record(key, now);
    for (const alert of fresh) this.#ready.push(this.#kept(alert));
    this.#wake?.();
    return { kind: 'stored', duplicates };
  }

  async reserve(max: number, waitMs: number): Promise<QueuedAlert[]> {
    if (!this.#hasReady() && waitMs > 0) {
      await sleepUntilWoken(waitMs, (wake) => (this.#wake = wake));
      this.#wake = undefined;
    }
    const out: QueuedAlert[] = [];
    while (out.length < max && this.#canReadBacklog()) {
      const alert = await this.#readBacklog();
      if (alert !== undefined) out.push(this.#hold(alert, 1));
    }
    while (out.length < max && this.#head < this.#ready.length) out.push(this.#hold(this.#shiftReady(), 0));
    return out;
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

  async deadLetter(item: QueuedAlert, entry: DeadLetterEntry): Promise<void> {
    const full = entry.origin === undefined && this.#originInJournal.has(item.alert.id) ? await this.#withOrigin(item.alert.id, entry) : entry;
    // Only once the entry is in the file does the alert leave the journal: a failed append keeps it for the next start.
    await this.#options.deadLetter.append(full);
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

  interrupt(): void {
    this.#wake?.();
  }

  /** Alerts recovered beyond the bounds still only in the file. */
  get backlogSize(): number {
    return this.#backlog.length - this.#backlogNext;
  }

  async close(): Promise<void> {
    this.#wake?.();
    await this.#options.journal.close();
    await this.#options.deadLetter.close?.();
  }

  #fullBy(n: number, bytes: number): 'count' | 'bytes' | undefined {
    const { maxSize, maxBytes } = this.#options;
    const count = this.#live.size + this.#writing.count;
    if (count + n > (typeof maxSize === 'number' ? maxSize : maxSize())) return 'count';
    // An empty queue always takes one offer, so an alert bigger than the bound is not refused forever.
    if (maxBytes !== undefined && count > 0 && this.#liveBytes + this.#writing.bytes + bytes > maxBytes()) return 'bytes';
    return undefined;
  }

  #hasReady(): boolean {
    return this.#head < this.#ready.length || this.#canReadBacklog();
  }

  /** A backlog entry is read back only while memory has room for it (an empty queue always takes one). */
  #canReadBacklog(): boolean {
    const entry = this.#backlog[this.#backlogNext];
    if (entry === undefined) return false;
    const maxBytes = this.#options.maxBytes?.() ?? Number.POSITIVE_INFINITY;
    const maxSize = typeof this.#options.maxSize === 'number' ? this.#options.maxSize : this.#options.maxSize();
    if (this.#memoryCount === 0) return true;
    return this.#memoryCount < maxSize && this.#memoryBytes + entry.bytes <= maxBytes;
  }

  #shiftReady(): Alert {
    const alert = this.#ready[this.#head] as Alert;
    this.#ready[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    return alert;
  }

  async #readBacklog(): Promise<Alert | undefined> {
    const entry = this.#backlog[this.#backlogNext++] as BacklogEntry;
    if (this.#backlogNext === this.#backlog.length) {
      this.#options.logger?.warn({ count: this.#backlog.length }, 'journal: every alert recovered beyond the queue bounds is handed to delivery');
      this.#backlog = [];
      this.#backlogNext = 0;
    }
    try {
      const alert = await this.#options.journal.read(entry.id);
      // Counted by its record size until now; from here by what it counts in memory (see #kept).
      if (alert !== undefined) return this.#kept(alert);
    } catch (error) {
      this.#options.logger?.warn({ err: error, alertId: entry.id }, 'journal: could not read a waiting alert back; it stays journaled for the next start');
    }
    this.#removeLive(entry.id);
    return undefined;
  }

  /**
   * A stored alert as memory keeps it: counted in full (its body too), held without its origin, which waits in
   * the journal for a dead letter (#withOrigin).
   */
  #kept(alert: Alert): Alert {
    this.#addLive(alert.id, alertBytes(alert), true);
    if (alert.origin === undefined) return alert;
    this.#originInJournal.add(alert.id);
    const { origin: _inJournal, ...held } = alert;
    return held;
  }

  /** The entry with the origin its alert was journaled with; without it (and a warning) when it cannot be read back. */
  async #withOrigin(id: string, entry: DeadLetterEntry): Promise<DeadLetterEntry> {
    try {
      const stored = await this.#options.journal.read(id);
      if (stored?.origin !== undefined) return { ...entry, origin: stored.origin };
      this.#options.logger?.warn({ alertId: id }, 'journal: the request body of a dead-lettered alert is no longer there; its dead letter cannot be re-rendered');
    } catch (error) {
      this.#options.logger?.warn({ err: error, alertId: id }, 'journal: could not read back the request body of a dead-lettered alert; its dead letter cannot be re-rendered');
    }
    return entry;
  }

  #forget(item: QueuedAlert): void {
    this.#held.delete(item.token);
    this.#originInJournal.delete(item.alert.id);
    this.#removeLive(item.alert.id);
    this.#options.journal.complete(item.alert.id);
    // Memory freed: a backlog entry may fit now.
    if (this.#backlogNext < this.#backlog.length) this.#wake?.();
  }

  #hold(alert: Alert, redeliveries: number): QueuedAlert {
    this.#held.add(alert.id);
    return { alert, token: alert.id, redeliveries };
  }

  #addLive(id: string, bytes: number, isInMemory: boolean): void {
    this.#removeLive(id);
    this.#live.set(id, isInMemory ? bytes : -bytes);
    this.#liveBytes += bytes;
    if (isInMemory) {
      this.#memoryBytes += bytes;
      this.#memoryCount++;
    }
  }

  #removeLive(id: string): void {
    const signed = this.#live.get(id);
    if (signed === undefined) return;
    this.#live.delete(id);
    // A negative size marks an entry only in the file.
    this.#liveBytes -= Math.abs(signed);
    if (signed >= 0) {
      this.#memoryBytes -= signed;
      this.#memoryCount--;
    }
  }
}
