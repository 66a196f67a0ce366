/**
 * `workers = auto | N`: N processes serve the one port through node:cluster, so every core takes webhooks.
 * The primary holds the data_dir lock, starts the workers, restarts one that dies, and on SIGTERM has
 * them all drain before it exits. Each worker is a whole GenHook under `<data_dir>/worker-<i>` (its own
 * journal and lock, and a stable Redis consumer name, so a restarted worker redelivers what it held).
 *
 * More than one worker needs redis_url: dedup, rate limits and <source>_max_concurrent then hold across
 * the workers exactly as across machines, with one mechanism instead of a second one through the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Logger } from '../ops/logger.js';
import { acquireDataDirLock } from '../store/index.js';
import { serveGroupProbes } from './worker-group.js';

export const WORKER_INDEX_ENV = 'GENHOOK_WORKER_INDEX';

export class StartError extends Error {
  override readonly name = 'StartError';
}

/** How many processes `workers` asks for on this machine. */
export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism()) : setting;
}

/** In a worker: its index (0-based), else undefined. */
export function workerIndex(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(env[WORKER_INDEX_ENV]);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

export function checkWorkers(count: number, redisUrl: string | undefined, settingsFile: string): void {
  if (count > 1 && redisUrl === undefined) {
    throw new StartError(
      `${settingsFile}: workers = ${count} needs redis_url: the workers share dedup, rate limits and the queue through Redis; set redis_url or workers = 1`,
    );
  }
}

export interface PrimaryOptions {
  readonly count: number;
  readonly dataDir: string;
  readonly logger: Logger;
  /** A worker that dies is started again after this pause (a crash loop stays slow). @default 1000 */
  readonly restartDelayMs?: number;
}

/** Runs the primary until SIGTERM/SIGINT; resolves with the exit code once every worker has exited. */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { count, logger, restartDelayMs = 1000 } = options;
  await mkdir(options.dataDir, { recursive: true });
  const lock = await acquireDataDirLock(options.dataDir);
  if (lock.tookOverFrom !== undefined) logger.warn({ file: lock.path, previous: lock.tookOverFrom }, 'data_dir lock of a GenHook that is gone taken over');
  let isStopping = false;
  const workers = new Map<number, Worker>();
  const listening = new WeakSet<Worker>();
  const restarts = new Map<number, number>();
  const start = (index: number): void => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    workers.set(index, worker);
    worker.on('listening', () => listening.add(worker));
    worker.on('exit', (code, signal) => {
      if (workers.get(index) === worker) workers.delete(index);
      if (isStopping) {
        if (workers.size === 0) allExited();
        return;
      }
      logger.error({ worker: index, pid: worker.process.pid, code, signal }, 'GenHook worker died; starting another in its place');
      setTimeout(() => {
        if (isStopping) return;
        restarts.set(index, (restarts.get(index) ?? 0) + 1);
        start(index);
      }, restartDelayMs).unref();
    });
  };
  let allExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (allExited = resolve));
  // /metrics and /ready on the shared port speak for every worker (src/start/worker-group.ts).
  serveGroupProbes({ workers: () => workers, isListening: (worker) => listening.has(worker), restarts: (index) => restarts.get(index) ?? 0, expected: count });
  for (let index = 0; index < count; index++) start(index);
  logger.info({ workers: count, pid: process.pid }, 'GenHook primary started its workers');

  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    isStopping = true;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: stopping the workers now');
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
      return;
    }
    logger.info({ signal, workers: workers.size }, 'signal received: every worker drains, then exits');
    if (workers.size === 0) allExited();
    for (const worker of workers.values()) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    for (const worker of workers.values()) worker.process.kill('SIGHUP');
  });
  await exited;
  await lock.release();
  logger.info({}, 'all GenHook workers stopped');
  return signals > 1 ? 1 : 0;
}
