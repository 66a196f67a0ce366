/**
 * The last step, shut down (SIGTERM): stop taking alerts from the queue, drain what this GenHook holds for up
 * to the grace period, then close in the reverse order of the start steps. The data_dir lock goes last.
 */
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import type { QueueFeeder } from '../queue/feeder.js';
import type { HeldAlerts } from '../queue/held-alerts.js';
import type { SnsCertificateStore } from '../receive/sns-certificates.js';
import type { Listener } from './listen.js';
import type { OpenedQueue } from './open-queue.js';
import type { Storage } from './open-storage.js';
import type { ConfigWatching } from './watch.js';

export interface RunningParts {
  readonly storage: Storage;
  readonly queue: OpenedQueue;
  readonly held: HeldAlerts;
  readonly dispatcher: Dispatcher;
  readonly feeder: QueueFeeder;
  readonly snsCertificates: SnsCertificateStore;
  readonly listener: Listener;
  readonly watching: ConfigWatching;
  readonly logger: Logger;
}

/** True when everything held was delivered within `graceMs`; the rest stays in the journal (or in Redis). */
export async function shutDown(parts: RunningParts, graceMs: number): Promise<boolean> {
  const { storage, queue, held, dispatcher, feeder, snsCertificates, listener, watching, logger } = parts;
  watching.set(false);
  logger.info({ graceMs, waiting: dispatcher.size, inFlight: dispatcher.inFlight }, 'shutting down: draining queued alerts');
  await feeder.stop(); // no new alerts taken from the queue; what this GenHook holds is delivered or left for recovery
  const drained = await dispatcher.drain(graceMs);
  queue.deadLetters.stop();
  await listener.close();
  await dispatcher.close();
  await held.settle();
  await queue.shared?.authPause.close();
  await queue.shared?.backend.close();
  await snsCertificates.close();
  await storage.journal.close();
  await storage.deadLetter.close();
  await storage.dataDirLock.release();
  logger.info({ drained, leftInJournal: storage.journal.size }, drained ? 'shutdown complete' : 'shutdown: grace period over; the rest stays in the journal');
  return drained;
}
