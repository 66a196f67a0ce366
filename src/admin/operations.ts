/**
 * What the console and the operational admin endpoints read and do besides editing lines: live status,
 * per-source counts, recent alerts, and the dead letters (list, replay into the live queue, delete). Built by
 * the composition root from the running parts; the routes only see this interface.
 */
import { formatConfigIssue } from '../errors/config-error.js';
import type { AuthPauseState } from '../deliver/auth-pause.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Metrics } from '../ops/metrics.js';
import type { RecentAlert, RecentAlerts, SourceError } from '../ops/recent-alerts.js';
import type { DeadLetterEntry, DeadLetters } from '../dead-letter/index.js';
import type { Journal } from '../enqueue/index.js';
import type { DeadLetterStore, RequeueOptions, RequeueResult } from './dead-letter-stores.js';
import type { ConfigStore } from '../config/config-store.js';
import type { SourceCounts } from './views.js';

export type { SourceCounts } from './views.js';

export interface AdminOperations {
  status(): Promise<Record<string, unknown>>;
  sourceCounts(): Promise<ReadonlyMap<string, SourceCounts>>;
  lastError(source: string): SourceError | null;
  recentAlerts(): { readonly limit: number; readonly alerts: readonly RecentAlert[] };
  /** The dead-letter file, or the Redis stream in Redis mode. */
  readonly deadLetterPath: string;
  readDeadLetters(): Promise<DeadLetters>;
  /** Puts the selected dead letters back in the live queue, through the breaker, retries and concurrency limits. */
  requeue(select: (entry: DeadLetterEntry) => boolean, options?: RequeueOptions): Promise<RequeueResult>;
  remove(select: (entry: DeadLetterEntry) => boolean): Promise<{ readonly removed: number; readonly remaining: number }>;
}

export interface AdminOperationsDeps {
  readonly store: ConfigStore;
  readonly dispatcher: Dispatcher;
  readonly journal: Journal;
  readonly journalHealth: { readonly isWritable: boolean };
  readonly metrics: Metrics;
  readonly recent: RecentAlerts;
  readonly deadLetters: DeadLetterStore;
  readonly isDraining: () => boolean;
  readonly startedAt: number;
}

const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** SL1's verdict on the credentials (src/deliver/auth-pause.ts), in the shape the console's Health page shows. */
function describeAuth(state: AuthPauseState): Record<string, unknown> {
  return {
    paused: state.phase === 'paused',
    phase: state.phase,
    status: state.status ?? null,
    detail: state.detail ?? null,
    since: isoOrNull(state.pausedAt),
    nextProbeAt: isoOrNull(state.probeAt),
  };
}

export function createAdminOperations(deps: AdminOperationsDeps): AdminOperations {
  const { store, dispatcher, journal, journalHealth, metrics, recent, deadLetters: dead } = deps;
  return {
    deadLetterPath: dead.where,
    async status() {
      const { settings } = store.config;
      const deadLetters = await dead.read();
      const reload = store.lastReload;
      return {
        mode: settings.sl1_api_url ? 'sl1' : 'log',
        draining: deps.isDraining(),
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
        breaker: { state: dispatcher.breakerState },
        delivery: { paused: dispatcher.isPaused },
        sl1Auth: describeAuth(dispatcher.authState),
        queue: {
          waiting: dispatcher.size,
          inFlight: dispatcher.inFlight,
          capacity: settings.queue_max_size,
          hasRoom: dispatcher.hasRoom(),
          perSource: dispatcher.perSource(),
        },
        journal: { writable: journalHealth.isWritable, pending: journal.size, mode: settings.journal_mode, fileBytes: journal.stats.fileBytes, liveBytes: journal.stats.liveBytes },
        deadLetters: { file: dead.where, count: deadLetters.entries.length, unreadableLines: deadLetters.skipped.length },
        config: { settings: store.config.settingsFile, webhooks: store.config.webhooksFile, sources: store.config.rules.sources() },
        lastReload: { ...reload, issues: reload.issues.map((issue) => ({ ...issue, text: formatConfigIssue(issue) })) },
      };
    },
    async sourceCounts() {
      const counts = new Map<string, { received: number; queued: number; delivered: number; deadLettered: number; missingFields: number }>();
      const slot = (source: string) => {
        let entry = counts.get(source);
        if (!entry) counts.set(source, (entry = { received: 0, queued: 0, delivered: 0, deadLettered: 0, missingFields: 0 }));
        return entry;
      };
      for (const { labels, value } of (await metrics.webhooksReceived.get()).values) {
        const entry = slot(String(labels.source));
        entry.received += value;
        if (labels.outcome === 'queued') entry.queued += value;
      }
      for (const { labels, value } of (await metrics.delivered.get()).values) slot(String(labels.source)).delivered += value;
      for (const { labels, value } of (await metrics.deadLetters.get()).values) slot(String(labels.source)).deadLettered += value;
      for (const { labels, value } of (await metrics.missingFields.get()).values) slot(String(labels.source)).missingFields += value;
      return counts;
    },
    lastError: (source) => recent.lastError(source),
    recentAlerts: () => ({ limit: recent.limit, alerts: recent.list() }),
    readDeadLetters: () => dead.read(),
    requeue: (select, options) => dead.requeue(select, options),
    remove: (select) => dead.remove(select),
  };
}
