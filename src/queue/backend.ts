/**
 * The queue-backend contract: where an accepted alert waits between the 2xx and SL1's answer. The local
 * journal (one box) and Redis Streams (replicas sharing one Redis) both implement it, and one contract
 * test suite (test/queue-contract.test.ts) runs against both.
 *
 * Life of an alert: offer (durable before the 2xx) → reserve by one consumer (or claim, when the consumer
 * holding it went silent for longer than the claim idle) → complete (delivered or logged) or deadLetter.
 * Delivery is at least once: an alert claimed from a consumer that was only slow may be delivered twice.
 */
import type { Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';

/** One alert handed to this consumer; give it back to complete() or deadLetter(). */
export interface QueuedAlert {
  readonly alert: Alert;
  /** The backend's handle (a stream entry id in Redis, the alert id in the journal). */
  readonly token: string;
  /** 0 when handed out for the first time; above 0 after a restart or a takeover (it may have reached SL1). */
  readonly redeliveries: number;
  /** What an earlier holder recorded before it went (noteRetry): its attempts so far and its retry time. */
  readonly priorProgress?: PriorProgress | undefined;
}

/** An alert's delivery progress, kept with it in the queue so that another holder goes on from there. */
export interface PriorProgress {
  /** SL1 requests made for it so far (what retry_max_attempts counts). */
  readonly attempts: number;
  /** Epoch ms before which it is not sent again (its backoff). */
  readonly notBefore: number;
}

/** What offer() did with each alert, in order. */
export type OfferResult =
  | { readonly kind: 'stored'; readonly duplicates: ReadonlySet<string> }
  /** Nothing was stored: the queue holds queue_max_size alerts (or queue_max_bytes of them: `limit` says which) already. */
  | { readonly kind: 'full'; readonly limit?: 'count' | 'bytes' };

export interface OfferItem {
  readonly alert: Alert;
  /** Provider delivery keys; an alert one of whose keys was stored within the dedup window is not stored again. */
  readonly dedupKeys?: readonly string[] | undefined;
}

export interface QueueStats {
  /** Alerts stored and not yet completed or dead-lettered, across every consumer. */
  readonly pending: number;
  /** Of those, held by this consumer. */
  readonly held: number;
}

export interface QueueBackend {
  readonly kind: 'journal' | 'redis';
  /** Resolves once every stored alert is durable; only then may the edge answer 2xx. Rejects when it cannot be. */
  offer(items: readonly OfferItem[]): Promise<OfferResult>;
  /** Up to `max` alerts nobody holds yet, now held by this consumer; waits up to `waitMs` for the first one. */
  reserve(max: number, waitMs: number): Promise<QueuedAlert[]>;
  /** Up to `max` alerts another consumer held without a sign of life for longer than the claim idle. */
  claim(max: number): Promise<QueuedAlert[]>;
  /** A sign of life for alerts this consumer still holds (waiting for a retry): returns the tokens still its own. */
  touch(tokens: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * A failed attempt and the retry it waits for, recorded where a consumer that claims or recovers the alert
   * reads it back (QueuedAlert.priorProgress). Optional: a backend with one consumer keeps it in memory.
   */
  noteRetry?(item: QueuedAlert, progress: PriorProgress): Promise<void>;
  /** Delivered (or logged): the alert leaves the queue. */
  complete(item: QueuedAlert): Promise<void>;
  /** Given up on: the entry joins the dead letters and the alert leaves the queue, in one step. */
  deadLetter(item: QueuedAlert, entry: DeadLetterEntry): Promise<void>;
  /** Once, at start: what this consumer held when it last stopped, to deliver again. */
  recover(): Promise<QueuedAlert[]>;
  stats(): Promise<QueueStats>;
  /** Ends a reserve() waiting for alerts now (the feeder stops); optional: a backend whose wait is short may ignore it. */
  interrupt?(): void;
  close(): Promise<void>;
}
