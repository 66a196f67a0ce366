/**
 * `/metrics` and `/ready` of a `workers = N` GenHook: a scrape or a probe on the shared port lands on one
 * worker, but must speak for the whole process group.
 * - Metrics: the worker asks the primary, which gathers every worker's registry with prom-client's
 *   AggregatorRegistry (its cluster support: `clusterMetrics()` in the primary, `setRegistries()` in each
 *   worker; counters and histograms are summed, gauges by the `aggregator` each one declares), and adds
 *   its own `genhook_workers*` series. A worker that does not answer within 5 s fails the scrape (503)
 *   rather than publish sums that silently miss it (counters would seem to drop).
 * - Readiness: the worker asks the primary, which asks every listening worker for its own report and
 *   answers with one row per configured worker; the group is ready only when every worker is.
 * IPC messages are tagged `genhook:` so that prom-client's own messages pass by.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { ReadinessReport } from '../receive/app.js';

const METRICS_REQUEST = 'genhook:group-metrics';
const READY_REQUEST = 'genhook:group-ready';
const READY_CHECK = 'genhook:ready-check';
/** prom-client's clusterMetrics() gives up after 5 s; the worker waits a little longer for the primary's answer. */
const METRICS_WAIT_MS = 6000;
/** How long the primary waits for each worker's own readiness before naming it `not_answering`. */
const READY_CHECK_WAIT_MS = 2000;

interface GroupMessage {
  readonly type: string;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
  readonly report?: ReadinessReport;
  readonly workers?: readonly WorkerReadiness[];
}

/** One configured worker, as the primary sees it when a probe asks. */
export interface WorkerReadiness {
  readonly worker: number;
  readonly pid: number | null;
  /** `down`: exited (a replacement starts after a pause); `starting`: forked, not listening yet. */
  readonly status: 'ready' | 'not_ready' | 'not_answering' | 'starting' | 'down';
  readonly restarts: number;
  /** The worker's own /ready checks, when it is not ready (they say why). */
  readonly checks?: Readonly<Record<string, unknown>>;
}

export interface GroupView {
  /** The workers by index, as the primary runs them now (a dead one is absent until its replacement forks). */
  readonly workers: () => ReadonlyMap<number, Worker>;
  readonly isListening: (worker: Worker) => boolean;
  readonly restarts: (index: number) => number;
  readonly expected: number;
}

/** In the primary: answers the workers' group-metrics and group-ready requests. */
export function serveGroupProbes(view: GroupView): void {
  const aggregator = new AggregatorRegistry();
  const own = new Registry();
  new Gauge({ name: 'genhook_workers', help: 'GenHook worker processes configured (workers)', registers: [own] }).set(view.expected);
  new Gauge({
    name: 'genhook_workers_up',
    help: 'GenHook worker processes running and listening',
    registers: [own],
    collect(this: Gauge) {
      this.set([...view.workers().values()].filter((worker) => worker.isConnected() && view.isListening(worker)).length);
    },
  });
  new Counter({
    name: 'genhook_worker_restarts_total',
    help: 'GenHook worker processes that died and were started again',
    registers: [own],
    collect(this: Counter) {
      this.reset();
      let total = 0;
      for (let index = 0; index < view.expected; index++) total += view.restarts(index);
      this.inc(total);
    },
  });
  const pendingChecks = new Map<number, (report: ReadinessReport) => void>();
  let checkIds = 0;

  const checkOne = (worker: Worker): Promise<ReadinessReport | undefined> =>
    new Promise((resolve) => {
      const id = ++checkIds;
      const timer = setTimeout(() => {
        pendingChecks.delete(id);
        resolve(undefined);
      }, READY_CHECK_WAIT_MS);
      pendingChecks.set(id, (report) => {
        clearTimeout(timer);
        pendingChecks.delete(id);
        resolve(report);
      });
      if (!sendTo(worker, { type: READY_CHECK, id })) pendingChecks.get(id)?.({ isReady: false, checks: { ipc: 'closed' } });
    });

  const readinessOfAll = async (): Promise<WorkerReadiness[]> => {
    const current = view.workers();
    return Promise.all(
      Array.from({ length: view.expected }, async (_, index): Promise<WorkerReadiness> => {
        const worker = current.get(index);
        const restarts = view.restarts(index);
        const pid = worker?.process.pid ?? null;
        if (worker === undefined || !worker.isConnected()) return { worker: index, pid, status: 'down', restarts };
        if (!view.isListening(worker)) return { worker: index, pid, status: 'starting', restarts };
        const report = await checkOne(worker);
        if (report === undefined) return { worker: index, pid, status: 'not_answering', restarts };
        return report.isReady ? { worker: index, pid, status: 'ready', restarts } : { worker: index, pid, status: 'not_ready', restarts, checks: report.checks };
      }),
    );
  };

  cluster.on('message', (worker: Worker, message: GroupMessage) => {
    if (message === null || typeof message !== 'object') return;
    if (message.type === READY_CHECK && message.report !== undefined) {
      pendingChecks.get(message.id)?.(message.report);
    } else if (message.type === METRICS_REQUEST) {
      aggregator.clusterMetrics().then(
        async (text) => sendTo(worker, { type: METRICS_REQUEST, id: message.id, text: text + (await own.metrics()) }),
        (error: unknown) => sendTo(worker, { type: METRICS_REQUEST, id: message.id, error: (error as Error).message }),
      );
    } else if (message.type === READY_REQUEST) {
      void readinessOfAll().then((workers) => sendTo(worker, { type: READY_REQUEST, id: message.id, workers }));
    }
  });
}

export interface WorkerGroupClient {
  /** The whole group's metrics in Prometheus text; rejects when the primary or a worker did not answer. */
  metrics(): Promise<string>;
  /** This worker's report, with `workers` naming every worker; ready only when all of them are. */
  readiness(): Promise<ReadinessReport>;
}

/** In a worker: lets the primary read this worker's registry and readiness, and asks it for the group's. */
export function joinWorkerGroup(options: { readonly index: number; readonly registry: Registry; readonly readiness: () => ReadinessReport }): WorkerGroupClient {
  // The registry the primary's clusterMetrics() gathers here (GenHook's own, not prom-client's global one).
  AggregatorRegistry.setRegistries([options.registry]);
  new AggregatorRegistry();
  const waiting = new Map<number, (message: GroupMessage | undefined) => void>();
  let ids = 0;
  process.on('message', (message: GroupMessage) => {
    if (message === null || typeof message !== 'object') return;
    if (message.type === READY_CHECK) sendToPrimary({ type: READY_CHECK, id: message.id, report: options.readiness() });
    else if (message.type === METRICS_REQUEST || message.type === READY_REQUEST) waiting.get(message.id)?.(message);
  });
  const ask = (type: string, waitMs: number): Promise<GroupMessage | undefined> =>
    new Promise((resolve) => {
      const id = ++ids;
      const timer = setTimeout(() => finish(undefined), waitMs);
      const finish = (message: GroupMessage | undefined): void => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(message);
      };
      waiting.set(id, finish);
      if (!sendToPrimary({ type, id })) finish(undefined);
    });
  return {
    async metrics() {
      const answer = await ask(METRICS_REQUEST, METRICS_WAIT_MS);
      if (answer?.text !== undefined) return answer.text;
      throw new Error(`metrics of the whole worker group unavailable: ${answer?.error ?? 'the primary did not answer'}`);
    },
    async readiness() {
      const own = options.readiness();
      const answer = await ask(READY_REQUEST, READY_CHECK_WAIT_MS + 1000);
      const workers = answer?.workers;
      if (workers === undefined) return { isReady: false, checks: { ...own.checks, worker: options.index, workers: 'the primary did not answer' } };
      // This worker answers from its own report (fresher than the primary's copy of it).
      const rows = workers.map((row): WorkerReadiness =>
        row.worker === options.index ? { worker: row.worker, pid: process.pid, status: own.isReady ? 'ready' : 'not_ready', restarts: row.restarts } : row,
      );
      const isReady = own.isReady && rows.every((row) => row.status === 'ready');
      return { isReady, checks: { ...own.checks, worker: options.index, workers: rows } };
    },
  };
}

/** False when the channel is closed (the worker exited); send()'s own false only means "queued behind others". */
function sendTo(worker: Worker, message: GroupMessage): boolean {
  if (!worker.isConnected()) return false;
  try {
    worker.send(message);
    return true;
  } catch {
    return false;
  }
}

function sendToPrimary(message: GroupMessage): boolean {
  if (process.send === undefined || !process.connected) return false;
  try {
    process.send(message);
    return true;
  } catch {
    return false;
  }
}
