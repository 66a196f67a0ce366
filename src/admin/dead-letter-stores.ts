/**
 * Where the console's dead letters live: the dead-letter file (one GenHook), or the Redis stream every replica
 * shares (redis_url). Both list, requeue and remove the same way, so the routes do not care which.
 */
import { readDeadLetters, replayDeadLetters, toAlert, type DeadLetterEntry, type DeadLetters } from '../dead-letter/index.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Journal } from '../enqueue/index.js';
import type { RecentAlerts } from '../ops/recent-alerts.js';
import type { RedisBackend } from '../queue/redis-backend.js';

export interface RequeueResult {
  /** Handed back to delivery and removed from the dead letters. */
  readonly requeued: number;
  /** Left where they were: the queue had no room. */
  readonly refused: number;
  readonly remaining: number;
}

export interface DeadLetterStore {
  /** The file path, or `redis stream <key>`. */
  readonly where: string;
  read(): Promise<DeadLetters>;
  /** Puts the selected dead letters back on the way to SL1, through the breaker, retries and concurrency limits. */
  requeue(select: (entry: DeadLetterEntry) => boolean): Promise<RequeueResult>;
  remove(select: (entry: DeadLetterEntry) => boolean): Promise<{ readonly removed: number; readonly remaining: number }>;
}

/** The dead-letter file: a replay journals each alert first, then hands it to this GenHook's dispatcher. */
export function fileDeadLetters(path: string, dispatcher: Dispatcher, journal: Journal, recent: RecentAlerts): DeadLetterStore {
  return {
    where: path,
    read: () => readDeadLetters(path),
    async requeue(select) {
      let refused = 0;
      const result = await replayDeadLetters({
        path,
        select,
        send: async (entry) => {
          const alert = toAlert(entry);
          const reservation = dispatcher.reserve(1);
          if (!reservation) {
            refused += 1;
            return false;
          }
          try {
            // Journaled before it leaves the dead-letter file: a crash now means one redelivery, never a loss.
            await journal.append([alert]);
          } catch (error) {
            reservation.release();
            throw error;
          }
          reservation.offer(alert);
          reservation.release();
          recent.queued(alert);
          return true;
        },
      });
      return { requeued: result.accepted, refused, remaining: result.remaining };
    },
    async remove(select) {
      const result = await replayDeadLetters({ path, select, send: async () => true });
      return { removed: result.accepted, remaining: result.remaining };
    },
  };
}

/** The shared stream: a replay puts the alerts back on the shared queue, where any replica takes them. */
export function redisDeadLetters(backend: RedisBackend, streamKey: string): DeadLetterStore {
  const selected = async (select: (entry: DeadLetterEntry) => boolean) => {
    const rows = await backend.listDeadLetters();
    return { rows, chosen: rows.filter((row) => select(row.entry)) };
  };
  return {
    where: `redis stream ${streamKey}`,
    async read() {
      return { entries: (await backend.listDeadLetters()).map((row) => row.entry), skipped: [] };
    },
    async requeue(select) {
      const { rows, chosen } = await selected(select);
      await backend.requeueDeadLetters(chosen.map((row) => ({ streamId: row.streamId, alert: toAlert(row.entry) })));
      return { requeued: chosen.length, refused: 0, remaining: rows.length - chosen.length };
    },
    async remove(select) {
      const { rows, chosen } = await selected(select);
      const removed = await backend.removeDeadLetters(chosen.map((row) => row.streamId));
      return { removed, remaining: rows.length - removed };
    },
  };
}
