/**
 * Alerts the journal holds beyond the queue's bounds (after a restart with more journaled than queue_max_size or
 * queue_max_bytes allow in memory) wait in the file. This hands them to delivery, oldest first, as room frees:
 * each one is read back from the journal only once room is reserved for it, so memory stays within the bounds.
 * Waiting alerts go first: a webhook arriving while the backlog drains finds the room already taken.
 */
import type { Alert } from '../alert.js';
import type { StoreLogger } from '../store/errors.js';
import type { BacklogEntry, Journal } from './journal-types.js';

/** The part of the dispatcher the feeder needs (kept structural: the store does not import delivery). */
export interface FeedTarget {
  reserve(n: number, bytes: number): { offer(alert: Alert): void; release(): void } | undefined;
  onRoom(listener: () => void): void;
}

export interface BacklogFeeder {
  /** Alerts still waiting in the file. */
  readonly size: number;
  /** Stops feeding (shutdown): what is left stays journaled for the next start. */
  stop(): void;
}

export function feedBacklog(backlog: readonly BacklogEntry[], journal: Pick<Journal, 'read'>, target: FeedTarget, logger: StoreLogger): BacklogFeeder {
  let next = 0;
  let isFeeding = false;
  let isStopped = false;
  const feed = async (): Promise<void> => {
    if (isFeeding || isStopped) return;
    isFeeding = true;
    try {
      while (!isStopped && next < backlog.length) {
        const entry = backlog[next];
        if (entry === undefined) break;
        const reservation = target.reserve(1, entry.bytes);
        if (!reservation) break;
        next++;
        let alert: Alert | undefined;
        try {
          alert = await journal.read(entry.id);
        } catch (error) {
          logger.warn({ err: error, alertId: entry.id }, 'journal: could not read a waiting alert back; it stays journaled for the next start');
        }
        if (alert && !isStopped) reservation.offer(alert);
        reservation.release();
      }
      if (next === backlog.length && backlog.length > 0) {
        logger.warn({ count: backlog.length }, 'journal: every alert recovered beyond the queue bounds is handed to delivery');
      }
    } finally {
      isFeeding = false;
    }
  };
  if (backlog.length > 0) {
    target.onRoom(() => void feed());
    void feed();
  }
  return {
    get size() {
      return backlog.length - next;
    },
    stop() {
      isStopped = true;
    },
  };
}
