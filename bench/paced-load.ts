/**
 * Open-loop load at a fixed rate, evenly paced, on undici's Pool. autocannon's `overallRate` lets every
 * connection send its whole per-second quota back to back at the top of each second and then pause, so
 * its latencies at "half rate" are really saturation latencies of a burst; a sender on a busy day spreads
 * its requests out. Latency runs from the moment a request was due, so a stalled server is not flattered
 * (no coordinated omission).
 */
import { Pool } from 'undici';
import { percentile, type LoadResult } from './load.js';
import { githubPushHeaders, type SignedBody } from './payloads.js';

export interface PacedOptions {
  readonly port: number;
  readonly payload: SignedBody;
  readonly rate: number;
  readonly durationSec: number;
  /** @default 64 */
  readonly connections?: number;
  /** Called for every 2xx answer with its X-GitHub-Delivery id and when it was due and answered (performance.now()). */
  readonly onAnswer?: (delivery: string, dueAt: number, answeredAt: number) => void;
}

let pacedRun = 0;

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${options.port}`, { connections: options.connections ?? 64, pipelining: 1 });
  const prefix = `paced-${process.pid}-${++pacedRun}-`;
  const total = Math.max(1, Math.round(options.rate * options.durationSec));
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();

  const fire = (n: number, dueAt: number) => {
    const delivery = prefix + String(n);
    const done = pool
      .request({
        method: 'POST',
        path: '/webhook/github',
        headers: githubPushHeaders(options.payload, delivery),
        body: options.payload.body,
      })
      .then(async (response) => {
        await response.body.dump();
        const code = String(response.statusCode);
        statusCounts[code] = (statusCounts[code] ?? 0) + 1;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          const answeredAt = performance.now();
          latencies.push(answeredAt - dueAt);
          options.onAnswer?.(delivery, dueAt, answeredAt);
        }
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * options.rate) + 1);
    for (; sent < due; sent++) fire(sent, start + (sent / options.rate) * 1000);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const durationSec = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const accepted = latencies.length;
  return {
    acceptedPerSec: accepted / durationSec,
    accepted,
    non2xx: Object.entries(statusCounts).filter(([code]) => !code.startsWith('2')).reduce((sum, [, count]) => sum + count, 0),
    errors,
    timeouts: 0,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    durationSec,
    statusCounts,
  };
}
