/**
 * Where the console's dead letters live: the dead-letter file (one GenHook), or the Redis stream every replica
 * shares (redis_url). Both list, requeue and remove the same way, so the routes do not care which.
 */
import type { Alert } from '../alert.js';
import { readDeadLetters, replayDeadLetters, toAlert, type DeadLetterEntry, type DeadLetters, type Rerendered } from '../dead-letter/index.js';
import type { QueueBackend } from '../queue/backend.js';
import type { RedisBackend } from '../queue/redis-backend.js';

export interface RequeueResult {
  /** Handed back to delivery and removed from the dead letters. */
  readonly requeued: number;
  /** Left where they were: the queue had no room. */
  readonly refused: number;
  readonly remaining: number;
  /** With a re-render: the selected dead letters that were not re-rendered, and stay (see rerenderDeadLetter). */
  readonly notRerendered?: readonly NotRerendered[];
}

export interface NotRerendered {
  readonly id: string;
  readonly reason: string;
  /** Stored without its request (before GenHook kept it, or a batch over the budget). */
  readonly noPayload: boolean;
}

export interface RequeueOptions {
  /** Render each anew from its stored request first; one that cannot be is left where it is. */
  readonly rerender?: (entry: DeadLetterEntry) => Rerendered;
}

/** The alert to requeue, or undefined (noted in `skipped`) when a re-render was asked for and failed. */
function alertToRequeue(entry: DeadLetterEntry, options: RequeueOptions, skipped: NotRerendered[]): Alert | undefined {
  if (options.rerender === undefined) return toAlert(entry);
  const result = options.rerender(entry);
  if (result.kind === 'rendered') return result.alert;
  skipped.push({ id: entry.id, reason: result.reason, noPayload: result.noPayload });
  return undefined;
}

const withSkipped = (result: Omit<RequeueResult, 'notRerendered'>, options: RequeueOptions, skipped: readonly NotRerendered[]): RequeueResult =>
  options.rerender === undefined ? result : { ...result, notRerendered: skipped };

export interface DeadLetterStore {
  /** The file path, or `redis stream <key>`. */
  readonly where: string;
  read(): Promise<DeadLetters>;
  /** Puts the selected dead letters back on the way to SL1, through the breaker, retries and concurrency limits. */
  requeue(select: (entry: DeadLetterEntry) => boolean, options?: RequeueOptions): Promise<RequeueResult>;
  remove(select: (entry: DeadLetterEntry) => boolean): Promise<{ readonly removed: number; readonly remaining: number }>;
}

/** The dead-letter file: a replay offers each alert to the queue (journaled first), then it leaves the file. */
export function fileDeadLetters(path: string, queue: Pick<QueueBackend, 'offer'>): DeadLetterStore {
  return {
    where: path,
    read: () => readDeadLetters(path),
    async requeue(select, options = {}) {
      let refused = 0;
      const skipped: NotRerendered[] = [];
      const result = await replayDeadLetters({
        path,
        select,
        send: async (entry) => {
          const alert = alertToRequeue(entry, options, skipped);
          if (alert === undefined) return false;
          // Journaled before it leaves the dead-letter file: a crash now means one redelivery, never a loss.
          const offered = await queue.offer([{ alert }]);
          if (offered.kind === 'stored') return true;
          refused += 1;
          return false;
        },
      });
      return withSkipped({ requeued: result.accepted, refused, remaining: result.remaining }, options, skipped);
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
    async requeue(select, options = {}) {
      const { rows, chosen } = await selected(select);
      const skipped: NotRerendered[] = [];
      const requeued = chosen.flatMap((row) => {
        const alert = alertToRequeue(row.entry, options, skipped);
        return alert === undefined ? [] : [{ streamId: row.streamId, alert }];
      });
      await backend.requeueDeadLetters(requeued);
      return withSkipped({ requeued: requeued.length, refused: 0, remaining: rows.length - requeued.length }, options, skipped);
    },
    async remove(select) {
      const { rows, chosen } = await selected(select);
      const removed = await backend.removeDeadLetters(chosen.map((row) => row.streamId));
      return { removed, remaining: rows.length - removed };
    },
  };
}
