/**
 * The last N alerts GenHook accepted, with what became of them, for the console and `GET /admin/alerts/recent`.
 * In memory only and bounded in count (`recent_alerts`) and in bytes (messages cut to MESSAGE_CHARS), so a
 * burst of large alerts cannot grow it; the oldest entry goes first. Also the last delivery error per source.
 */
import type { Alert } from '../alert.js';
import { shorten } from '../payload/index.js';
import type { RecentAlert, RecentOutcome, SourceError } from './recent-alert-view.js';

export type { RecentAlert, RecentOutcome, SourceError } from './recent-alert-view.js';

/** Each entry holds at most this many characters of message: ~2 KB per entry in UTF-16. */
export const MESSAGE_CHARS = 1000;

/** As held: times as epoch ms, turned into ISO text only when listed (queued and settled run per alert). */
type HeldAlert = Omit<RecentAlert, 'receivedAt' | 'updatedAt'> & { readonly receivedAt: number; updatedAt: number };

export class RecentAlerts {
  #limit: number;
  /** Insertion order is age order: the first key is the oldest. */
  readonly #entries = new Map<string, HeldAlert>();
  readonly #lastError = new Map<string, SourceError>();
  readonly #now: () => number;

  constructor(limit: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  get limit(): number {
    return this.#limit;
  }

  /** A reload may change `recent_alerts`; shrinking drops the oldest at once. */
  setLimit(limit: number): void {
    this.#limit = limit;
    this.#trim();
  }

  queued(alert: Alert): void {
    const message = shorten(alert.message, MESSAGE_CHARS);
    const at = this.#now();
    // A replayed alert comes back with its old id: it moves to the newest place.
    this.#entries.delete(alert.id);
    this.#entries.set(alert.id, {
      id: alert.id,
      requestId: alert.requestId,
      source: alert.source,
      event: alert.event ?? null,
      message,
      receivedAt: alert.receivedAt,
      outcome: 'queued',
      attempts: 0,
      status: null,
      reason: null,
      updatedAt: at,
    });
    this.#trim();
  }

  settled(alertId: string, outcome: Exclude<RecentOutcome, 'queued'>, details: { attempts?: number; status?: number | undefined; reason?: string | undefined } = {}): void {
    const entry = this.#entries.get(alertId);
    if (entry) {
      const at = this.#now();
      entry.outcome = outcome;
      if (details.attempts !== undefined) entry.attempts = details.attempts;
      if (details.status !== undefined) entry.status = details.status;
      entry.reason = details.reason === undefined ? (outcome === 'delivered' || outcome === 'logged' ? null : entry.reason) : details.reason.slice(0, MESSAGE_CHARS);
      entry.updatedAt = at;
    }
  }

  failed(source: string, alertId: string, message: string): void {
    this.#lastError.set(source, { at: new Date(this.#now()).toISOString(), alertId, message: message.slice(0, MESSAGE_CHARS) });
  }

  lastError(source: string): SourceError | null {
    return this.#lastError.get(source) ?? null;
  }

  /** Newest first. */
  list(): RecentAlert[] {
    return [...this.#entries.values()].reverse().map((entry) => ({
      ...entry,
      receivedAt: new Date(entry.receivedAt).toISOString(),
      updatedAt: new Date(entry.updatedAt).toISOString(),
    }));
  }

  #trim(): void {
    while (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}
