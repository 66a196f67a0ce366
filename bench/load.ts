/**
 * One round of load with autocannon: a signed GitHub push to `POST /webhook/github`, every request carrying
 * its own X-GitHub-Delivery id as GitHub's do (so dedup admits each one). Latency percentiles come from the
 * per-response times (float ms), not autocannon's whole-millisecond histogram.
 */
import autocannon from 'autocannon';
import { githubPushHeaders, type SignedBody } from './payloads.js';

export interface LoadOptions {
  readonly port: number;
  readonly payload: SignedBody;
  /** @default 64 */
  readonly connections?: number;
  /** Seconds; ignored when `amount` is set. */
  readonly durationSec?: number;
  /** Stop after this many requests. */
  readonly amount?: number;
  /** Requests per second across all connections; unset means as fast as the server answers. */
  readonly overallRate?: number;
}

export interface LoadResult {
  /** 2xx answers per second over the round. */
  readonly acceptedPerSec: number;
  readonly accepted: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Acknowledgement latency of 2xx answers, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly durationSec: number;
  readonly statusCounts: Readonly<Record<string, number>>;
}

let runCounter = 0;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const prefix = `bench-${process.pid}-${++runCounter}-`;
  let sequence = 0;
  const headers = githubPushHeaders(options.payload);
  const instance = autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections ?? 64,
    pipelining: 1,
    timeout: 30,
    ...(options.amount === undefined ? { duration: options.durationSec ?? 5 } : { amount: options.amount }),
    ...(options.overallRate === undefined ? {} : { overallRate: Math.max(1, Math.round(options.overallRate)) }),
    requests: [{
      method: 'POST',
      path: '/webhook/github',
      headers,
      body: options.payload.body,
      setupRequest: (request) => ({ ...request, headers: { ...headers, 'x-github-delivery': prefix + String(++sequence) } }),
    }],
  });
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]));
  return {
    acceptedPerSec: result['2xx'] / result.duration,
    accepted: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    durationSec: result.duration,
    statusCounts,
  };
}

/** Nearest-rank percentile of sorted values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  if (sorted.length === 0) return Number.NaN;
  return Number.isInteger(mid) ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2 : (sorted[Math.floor(mid)] ?? Number.NaN);
}
