/**
 * The dispatcher's bounds: how many alerts, and how many bytes of them, it holds (waiting + in flight +
 * reserved), per source too, and who is told when room frees or the last alert leaves.
 */
import { alertBytes, type Alert } from '../alert.js';

export interface SourceStats {
  readonly waiting: number;
  readonly inFlight: number;
}

/** Room set aside by {@link QueueRoom.reserve}: the edge journals, then offers without being refused. */
export interface Reservation {
  /** Hands over one alert; never refuses while reserved room is left (throws if over-used, a caller bug). */
  offer(alert: Alert): void;
  /** Gives back the room not used (journal write failed, request aborted). Idempotent. */
  release(): void;
}

export type FullBy = 'count' | 'bytes' | 'closed';

export class QueueRoom {
  #maxSize: number;
  #maxBytes: number;
  #total = 0;
  #inFlight = 0;
  #reserved = 0;
  #bytes = 0;
  #reservedBytes = 0;
  readonly #stats = new Map<string, { total: number; inFlight: number }>();
  readonly #roomListeners: (() => void)[] = [];
  readonly #idleWaiters = new Set<() => void>();

  constructor(maxSize: number, maxBytes: number) {
    this.#maxSize = maxSize;
    this.#maxBytes = maxBytes;
  }

  setBounds(maxSize: number, maxBytes: number): void {
    this.#maxSize = maxSize;
    this.#maxBytes = maxBytes;
  }

  /** Held and not in flight. */
  get waiting(): number {
    return this.#total - this.#inFlight;
  }

  get total(): number {
    return this.#total;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get bytes(): number {
    return this.#bytes + this.#reservedBytes;
  }

  fullBy(n: number, bytes: number): Exclude<FullBy, 'closed'> | undefined {
    if (this.#total + this.#reserved + n > this.#maxSize) return 'count';
    // An empty queue always takes one alert, so an alert bigger than the bound is not stuck forever.
    const isEmpty = this.#total + this.#reserved === 0;
    if (!isEmpty && this.#bytes + this.#reservedBytes + bytes > this.#maxBytes) return 'bytes';
    return undefined;
  }

  /** Sets room aside for `n` alerts of `bytes` in all; `admit` takes each alert offered through it. */
  reserve(n: number, bytes: number, admit: (alert: Alert) => void): Reservation {
    this.#reserved += n;
    this.#reservedBytes += bytes;
    let left = n;
    let leftBytes = bytes;
    return {
      offer: (alert) => {
        if (left <= 0) throw new RangeError(`Reservation of ${n} already used: call reserve() again`);
        left--;
        this.#reserved--;
        const used = Math.min(leftBytes, alertBytes(alert));
        leftBytes -= used;
        this.#reservedBytes -= used;
        admit(alert);
      },
      release: () => {
        const isReturning = left > 0 || leftBytes > 0;
        this.#reserved -= left;
        this.#reservedBytes -= leftBytes;
        left = 0;
        leftBytes = 0;
        if (isReturning) this.#notifyRoom();
      },
    };
  }

  admitted(alert: Alert): void {
    this.#total++;
    this.#bytes += alertBytes(alert);
    const stats = this.#stats.get(alert.source) ?? { total: 0, inFlight: 0 };
    stats.total++;
    this.#stats.set(alert.source, stats);
  }

  /** The alert left (delivered, logged, dead-lettered, or let go at close). */
  released(alert: Alert): void {
    this.#total--;
    this.#bytes -= alertBytes(alert);
    const stats = this.#stats.get(alert.source);
    if (stats !== undefined && --stats.total === 0) this.#stats.delete(alert.source);
    if (this.#total === 0) for (const wake of [...this.#idleWaiters]) wake();
    this.#notifyRoom();
  }

  countInFlight(source: string, delta: number): void {
    this.#inFlight += delta;
    const stats = this.#stats.get(source);
    if (stats !== undefined) stats.inFlight += delta;
  }

  perSource(): Record<string, SourceStats> {
    const out: Record<string, SourceStats> = {};
    for (const [source, s] of this.#stats) out[source] = { waiting: s.total - s.inFlight, inFlight: s.inFlight };
    return out;
  }

  onRoom(listener: () => void): void {
    this.#roomListeners.push(listener);
  }

  /** Resolves with `isDrained()` once nothing is held, or false after `timeoutMs`. */
  whenEmpty(timeoutMs: number, isDrained: () => boolean): Promise<boolean> {
    if (this.#total === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.#idleWaiters.delete(onIdle);
        resolve(result);
      };
      const onIdle = () => done(isDrained());
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#idleWaiters.add(onIdle);
    });
  }

  #notifyRoom(): void {
    for (const listener of this.#roomListeners) listener();
  }
}
