/**
 * Every metric GenHook exports, created once per server on its own registry (tests run several servers in
 * one process). Label values are bounded: sources are the configured ones or `unknown`, events the names of
 * configured lines (empty when no line applied), so a flood of made-up names cannot explode cardinality.
 * With `workers = N` the primary sums every worker's registry (src/start/worker-group.ts); a gauge that
 * must not be summed says how to combine it with prom-client's `aggregator`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RELOAD_TRIGGERS } from '../config/config-store.js';
import { deadLetterReasons } from '../dead-letter/dead-letter-file.js';
import type { BreakerState } from '../deliver/breaker.js';
import { talliedCounter } from './tallied-counter.js';
import { GENHOOK_VERSION } from './version.js';

/** The breaker states as the dispatcher names them (one list, in deliver/breaker.ts). */
export type BreakerStateName = BreakerState;
const BREAKER_STATE_VALUE: Readonly<Record<BreakerStateName, number>> = { closed: 0, half_open: 1, open: 2 };

/** Live numbers read at scrape time rather than pushed on every change. */
export interface MetricsProbes {
  readonly queueDepth: () => ReadonlyMap<string, { waiting: number; inFlight: number }>;
  readonly queueCapacity: () => number;
  /** Bytes of alerts held in memory, and queue_max_bytes. */
  readonly queueBytes?: () => number;
  readonly queueCapacityBytes?: () => number;
  readonly journalPending: () => number;
  /** Deliveries allowed in flight at once (the max_worker_threads setting; there are no threads): with genhook_deliveries_in_flight, the utilisation. */
  readonly deliveryConcurrency: () => number;
  /** SL1 refused the credentials and delivery is paused. */
  readonly sl1AuthPaused: () => boolean;
}

/** The gauges read `probes` at scrape time; until {@link attachProbes} hands them over they stay unset. */
export function createMetrics() {
  let probes: MetricsProbes | undefined;
  /** The configured sources: per-source gauges show 0 for each, not "No data", until it has alerts. */
  let knownSources: readonly string[] = [];
  const registry = new Registry();
  // The event-loop lag is sampled every 100 ms, not prom-client's 10: each sample wakes the process, and an idle GenHook
  // spent 3.1% of a core (44-49 ticks in 15 s) against 2.0% (30-31) with 100 ms. A stall still delays the next sample,
  // so one of 100 ms or more always shows in the lag the dashboard plots; a shorter one shows when a sample falls in it.
  collectDefaultMetrics({ register: registry, prefix: 'genhook_', eventLoopMonitoringPrecision: 100 });
  // prom-client names these gauges like counters; the per-type gauges without `_total` carry the same numbers.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`genhook_nodejs_${name}`);
  const registers = [registry];

  const perSource = (read: (stats: { waiting: number; inFlight: number }) => number) =>
    function collect(this: Gauge<'source'>) {
      this.reset();
      for (const source of knownSources) this.set({ source }, 0);
      const current = probes;
      if (!current) return;
      for (const [source, stats] of current.queueDepth()) this.set({ source }, read(stats));
    };

  const metrics = {
    registry,
    // Counted on every request: tallied, folded in at scrape time.
    webhooksReceived: talliedCounter({
      name: 'genhook_webhooks_received_total',
      help: 'Webhooks received, by source, event and outcome (queued, ignored, duplicate, handshake, rejected) and reason',
      labelNames: ['source', 'event', 'outcome', 'reason'] as const,
      registers,
    }),
    snsCertificates: initialized(
      new Counter({
        name: 'genhook_sns_certificates_total',
        help: 'AWS SNS signing certificates needed, by outcome: fetched (https), dir (sns_cert_dir), cache (another request loaded it), failed',
        labelNames: ['outcome'] as const,
        registers,
      }),
      ['fetched', 'dir', 'cache', 'failed'].map((outcome) => ({ outcome })),
    ),
    requestDuration: new Histogram({
      name: 'genhook_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route and status class',
      labelNames: ['route', 'status_class'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'genhook_queue_depth',
      help: 'Alerts waiting for SL1, per source',
      labelNames: ['source'] as const,
      registers,
      collect: perSource((stats) => stats.waiting),
    }),
    inFlight: new Gauge({
      name: 'genhook_deliveries_in_flight',
      help: 'Deliveries to SL1 in flight, per source (worker utilisation)',
      labelNames: ['source'] as const,
      registers,
      collect: perSource((stats) => stats.inFlight),
    }),
    queueCapacity: new Gauge({
      name: 'genhook_queue_capacity',
      help: 'Alerts that may wait before webhooks get 503 (queue_max_size)',
      registers,
      collect(this: Gauge) {
        const current = probes;
        if (current) this.set(current.queueCapacity());
      },
    }),
    queueBytes: new Gauge({
      name: 'genhook_queue_bytes',
      help: 'Bytes of alerts held in memory for SL1 (waiting, in flight, being accepted), as counted against queue_max_bytes',
      registers,
      collect(this: Gauge) {
        const current = probes?.queueBytes;
        if (current) this.set(current());
      },
    }),
    queueCapacityBytes: new Gauge({
      name: 'genhook_queue_capacity_bytes',
      help: 'Bytes of alerts that may be held before webhooks get 503 (queue_max_bytes)',
      registers,
      collect(this: Gauge) {
        const current = probes?.queueCapacityBytes;
        if (current) this.set(current());
      },
    }),
    workers: new Gauge({
      name: 'genhook_delivery_workers',
      help: 'Deliveries to SL1 allowed in flight at once, all sources together (max_worker_threads)',
      registers,
      collect(this: Gauge) {
        const current = probes;
        if (current) this.set(current.deliveryConcurrency());
      },
    }),
    sl1AuthPaused: new Gauge({
      name: 'genhook_sl1_auth_paused',
      help: 'SL1 refused the credentials (401/403) and all delivery is paused: 1, else 0',
      // Across workers (workers = N): paused when any worker is.
      aggregator: 'max',
      registers,
      collect(this: Gauge) {
        this.set(probes?.sl1AuthPaused() === true ? 1 : 0);
      },
    }),
    journalPending: new Gauge({
      name: 'genhook_journal_pending',
      help: 'Alerts held in the journal (accepted, not yet delivered or dead-lettered)',
      registers,
      collect(this: Gauge) {
        const current = probes;
        if (current) this.set(current.journalPending());
      },
    }),
    queueFull: new Counter({
      name: 'genhook_queue_full_total',
      help: 'Webhooks refused with 503 because the queue was full, by source and the bound it met (count: queue_max_size, bytes: queue_max_bytes)',
      labelNames: ['source', 'limit'] as const,
      registers,
    }),
    sl1Requests: initialized(
      new Counter({
        name: 'genhook_sl1_requests_total',
        help: 'Requests to SL1 by status class (2xx, 4xx, 5xx, network)',
        labelNames: ['status_class'] as const,
        registers,
      }),
      ['2xx', '4xx', '5xx', 'network'].map((status_class) => ({ status_class })),
    ),
    sl1Duration: new Histogram({
      name: 'genhook_sl1_request_duration_seconds',
      help: 'Time SL1 took to answer one alert request',
      labelNames: ['status_class'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    // Counted per alert (log mode too): tallied, folded in at scrape time.
    delivered: talliedCounter({
      name: 'genhook_alerts_delivered_total',
      help: 'Alerts SL1 accepted (or logged, in log mode)',
      labelNames: ['source', 'mode'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'genhook_delivery_retries_total',
      help: 'Delivery attempts scheduled again after a retryable failure',
      labelNames: ['source'] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: 'genhook_circuit_breaker_state',
      help: 'SL1 circuit breaker: 0 closed, 1 half-open, 2 open',
      // Across workers: the worst state any worker is in.
      aggregator: 'max',
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'genhook_circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes, by new state',
      labelNames: ['state'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'genhook_dead_letters_total',
      help: 'Alerts written to the dead-letter file, by source and reason',
      labelNames: ['source', 'reason'] as const,
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'genhook_delivery_latency_seconds',
      help: 'From webhook receipt to SL1 accepting the alert',
      labelNames: ['source'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    missingFields: new Counter({
      name: 'genhook_template_missing_fields_total',
      help: 'Template variables the payload did not provide, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    renderWarnings: new Counter({
      name: 'genhook_template_render_warnings_total',
      help: 'Template filters that met a value they could not use (the value passed through), by source',
      labelNames: ['source'] as const,
      registers,
    }),
    buildInfo: new Gauge({
      name: 'genhook_build_info',
      help: 'Always 1; the labels say which GenHook and Node.js run',
      labelNames: ['version', 'node'] as const,
      // Across workers: one series (every worker runs the same build).
      aggregator: 'first',
      registers,
    }),
    configLastReloadSuccess: new Gauge({
      name: 'genhook_config_last_reload_success',
      help: '1 when the last configuration load or reload succeeded, 0 while the files on disk are refused (the running configuration stays)',
      // Across workers: 0 when any worker refused the files.
      aggregator: 'min',
      registers,
    }),
    configReloads: initialized(
      new Counter({
        name: 'genhook_config_reloads_total',
        help: 'Configuration swaps by result (ok, invalid) and trigger (file, sighup, admin, write)',
        labelNames: ['result', 'trigger'] as const,
        registers,
      }),
      ['ok', 'invalid'].flatMap((result) => RELOAD_TRIGGERS.map((trigger) => ({ result, trigger }))),
    ),
    /** Connects the gauges to the running queue and journal (built after the metrics, which they report to). */
    attachProbes(next: MetricsProbes): void {
      probes = next;
    },
    /** Puts every per-source series at 0 for configured sources, so alerting on `increase()` sees the first one. */
    prepareSources(sources: readonly string[]): void {
      knownSources = [...sources];
      for (const source of sources) {
        for (const limit of ['count', 'bytes']) this.queueFull.inc({ source, limit }, 0);
        for (const mode of ['sl1', 'log']) this.delivered.inc({ source, mode }, 0);
        for (const reason of deadLetterReasons) this.deadLetters.inc({ source, reason }, 0);
        this.retries.inc({ source }, 0);
        this.missingFields.inc({ source }, 0);
        this.renderWarnings.inc({ source }, 0);
      }
    },
    setBreakerState(state: BreakerStateName): void {
      this.breakerState.set(BREAKER_STATE_VALUE[state]);
      this.breakerTransitions.inc({ state });
    },
  };
  metrics.buildInfo.set({ version: GENHOOK_VERSION, node: process.versions.node }, 1);
  // Set by the configuration store: a GenHook serving at all has loaded its configuration once.
  metrics.configLastReloadSuccess.set(1);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Series that exist from the start at 0, so `rate()` and `increase()` see the first event. */
function initialized<T extends string>(counter: Counter<T>, labelSets: readonly Partial<Record<T, string>>[]): Counter<T> {
  for (const labels of labelSets) counter.inc(labels, 0);
  return counter;
}

export function statusClass(status: number): string {
  if (status === 0) return 'network';
  return `${Math.floor(status / 100)}xx`;
}
