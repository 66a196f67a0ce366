/** Step 3, build the app: the HTTP edge (webhook edge + Hono app) over the running config, the storage and queue, the dispatcher and the admission state. */
import { createAdminOperations, fileDeadLetters, mountAdminRoutes, redisDeadLetters } from '../admin/index.js';
import type { DedupCache } from '../admit/index.js';
import type { ConfigStore } from '../config/index.js';
import type { AuthPauseState } from '../deliver/auth-pause.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RecentAlerts } from '../ops/recent-alerts.js';
import { createApp, type HttpEdge, type ReadinessReport } from '../receive/app.js';
import type { SnsCertificateStore } from '../receive/sns-certificates.js';
import type { HeldAlerts } from '../queue/held-alerts.js';
import { redactUrl } from '../queue/shared-queue.js';
import type { OpenedQueue } from './open-queue.js';
import type { Storage } from './open-storage.js';
import { joinWorkerGroup } from './worker-group.js';

export interface AppWiring {
  readonly store: ConfigStore;
  /** The journal (its health and size for /ready) and the dead-letter file. */
  readonly storage: Storage;
  /**
   * Where the edge stores accepted alerts (the journal backend, or the Redis one with redis_url: then /ready
   * reports Redis and the dead letters are the stream every replica shares), and the dead letters' health.
   */
  readonly queue: OpenedQueue;
  /** What this GenHook holds from the queue (reported with redis_url). */
  readonly held: HeldAlerts;
  /** The dedup cache the journal filled at start (seen keys persist in data_dir). */
  readonly dedup: DedupCache;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly recent: RecentAlerts;
  /** AWS SNS signing certificates, fetched and cached for `aws_signature = sns`. */
  readonly snsCertificates: SnsCertificateStore;
  /** True once shutdown began: new webhooks get 503 and /ready fails. */
  readonly isDraining: () => boolean;
  /** When startGenHook began (ms since the epoch), for the admin status. */
  readonly startedAt: number;
  /** Set in a `workers` process: /metrics and /ready then speak for the whole worker group. */
  readonly workerIndex?: number | undefined;
}

export function buildApp(wiring: AppWiring): HttpEdge {
  const { store, dedup, dispatcher, metrics, logger, isDraining, recent, snsCertificates, startedAt, held } = wiring;
  const { journal } = wiring.storage;
  const deadLetterPath = wiring.storage.deadLetter.path;
  const { shared } = wiring.queue;
  const localReadiness = (): ReadinessReport => {
    const hasRoom = dispatcher.hasRoom();
    const { config } = store;
    const isRedisUp = shared === undefined || shared.backend.isConnected;
    const deadLetters = wiring.queue.deadLetters.health;
    return {
      isReady: !isDraining() && journal.isWritable && deadLetters.writable && hasRoom && isRedisUp,
      checks: {
        draining: isDraining(),
        config: { settings: config.settingsFile, webhooks: config.webhooksFile, sources: config.rules.sources().length },
        journal: { writable: journal.isWritable, pending: journal.size, backlog: wiring.queue.local.backlogSize, ...(journal.health.error ? { error: journal.health.error } : {}) },
        queue: {
          waiting: dispatcher.size,
          inFlight: dispatcher.inFlight,
          capacity: config.settings.queue_max_size,
          bytes: dispatcher.bytes,
          capacityBytes: config.settings.queue_max_bytes,
          hasRoom,
        },
        deadLetter: { file: deadLetterPath, ...deadLetters },
        breaker: dispatcher.breakerState,
        mode: config.settings.sl1_api_url ? 'sl1' : 'log',
        ...(shared === undefined ? {} : { redis: { connected: shared.backend.isConnected, held: held.size, url: redactUrl(shared.backend.url) } }),
        ...describeAuthPause(dispatcher.authState),
      },
    };
  };
  const group = wiring.workerIndex === undefined ? undefined : joinWorkerGroup({ index: wiring.workerIndex, registry: metrics.registry, readiness: localReadiness });
  return createApp({
    config: () => store.config,
    dedup,
    dispatcher,
    metrics,
    logger,
    now: Date.now,
    isDraining,
    snsCertificates,
    queue: wiring.queue.backend,
    readiness: group === undefined ? localReadiness : () => group.readiness(),
    ...(group === undefined ? {} : { metricsText: () => group.metrics() }),
    health: () => ({ sl1_auth_paused: dispatcher.authState.phase === 'paused' }),
    mount: (routes) =>
      mountAdminRoutes(routes, {
        store,
        logger,
        delivery: dispatcher,
        operations: createAdminOperations({
          store,
          dispatcher,
          journal,
          journalHealth: journal,
          metrics,
          recent,
          // With redis_url dead letters go to the stream every replica shares; otherwise to this GenHook's file.
          deadLetters: shared === undefined ? fileDeadLetters(deadLetterPath, wiring.queue.backend) : redisDeadLetters(shared.backend, shared.backend.keys.deadLetters),
          isDraining,
          startedAt,
        }),
      }),
  });
}

/** What /ready tells about SL1's verdict on the credentials (see src/deliver/auth-pause.ts). */
function describeAuthPause(state: AuthPauseState): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    sl1_auth_paused: state.phase === 'paused',
    sl1Auth: state.phase === 'paused'
      ? { state: 'paused', status: state.status ?? null, detail: state.detail ?? null, since: iso(state.pausedAt), nextProbeAt: iso(state.probeAt), fix: ['sl1_username', 'sl1_password'] }
      : { state: state.phase },
  };
}
