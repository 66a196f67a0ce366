import { subscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { gcKind } from './child-guard.js';

/**
 * Server-side acknowledgement times, for bench/ack-trace.ts: with GENHOOK_BENCH_ACKS=1 the bench preload records,
 * for every request carrying an X-GitHub-Delivery id, when node:http emitted it ('request': its headers are parsed)
 * and when its answer was handed to the kernel (response 'finish'), on the monotonic clock every process on the
 * machine shares (process.hrtime), so the runner can line them up with the times its load generator saw.
 * Read through node:http's diagnostics channels: GenHook's code is untouched.
 */

/** One request as GenHook's node:http saw it: monotonic ms (process.hrtime.bigint() / 1e6). */
export interface ServerAck {
  readonly delivery: string;
  readonly startMs: number;
  readonly finishMs: number;
}

export interface AckReport {
  readonly type: 'acks';
  readonly acks: readonly ServerAck[];
  /** When each delivery request to SL1 had its headers written (undici), monotonic ms: are they sent in bursts? */
  readonly deliveriesSentMs: readonly number[];
  /** Every file operation on a FileHandle and every fs/promises call, from call to settled, and every GC pause (`gc.<kind>`), monotonic ms. */
  readonly fileOps: readonly FileOp[];
}

export interface FileOp {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

type AnyAsync = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/** Wraps the async methods `names` of `target` so each call is recorded as a FileOp named `prefix + name`. */
function timeMethods(target: Record<string, unknown>, names: readonly string[], prefix: string, ops: () => FileOp[]): void {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function timed(this: unknown, ...args: unknown[]) {
      const startMs = monotonicMs();
      const settled = () => {
        const list = ops();
        if (list.length < 500_000) list.push({ name: prefix + name, startMs, endMs: monotonicMs() });
      };
      const result = (original as AnyAsync).apply(this, args);
      result.then(settled, settled);
      return result;
    };
  }
}

/** Answers `{ type: 'acks' }` with the requests finished since the last probe (then forgets them). */
export async function answerAckProbes(): Promise<void> {
  if (process.env['GENHOOK_BENCH_ACKS'] !== '1' || process.channel === undefined || process.send === undefined) return;
  let fileOps: FileOp[] = [];
  const handle = await fs.promises.open(process.execPath, 'r');
  await handle.close();
  const handleProto = Object.getPrototypeOf(handle) as Record<string, unknown>;
  timeMethods(handleProto, ['write', 'writev', 'read', 'datasync', 'sync', 'stat', 'truncate', 'close'], 'handle.', () => fileOps);
  timeMethods(fs.promises as unknown as Record<string, unknown>, ['open', 'stat', 'rename', 'rm', 'unlink', 'readdir', 'writeFile', 'readFile', 'copyFile'], 'fs.', () => fileOps);
  // GenHook imports fs/promises as an ES module: its named exports follow the patched object only after this.
  syncBuiltinESMExports();
  // GC pauses stop the main thread; a slow stretch that holds one was the collector, not the disk.
  const toMonotonic = monotonicMs() - performance.now();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (fileOps.length < 500_000) fileOps.push({ name: `gc.${gcKind(entry)}`, startMs: entry.startTime + toMonotonic, endMs: entry.startTime + entry.duration + toMonotonic });
    }
  }).observe({ entryTypes: ['gc'] });
  const started = new WeakMap<ServerResponse, { delivery: string; startMs: number }>();
  let acks: ServerAck[] = [];
  let deliveriesSentMs: number[] = [];
  subscribe('undici:client:sendHeaders', () => {
    if (deliveriesSentMs.length < 500_000) deliveriesSentMs.push(monotonicMs());
  });
  subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const delivery = request.headers['x-github-delivery'];
    if (typeof delivery === 'string') started.set(response, { delivery, startMs: monotonicMs() });
  });
  subscribe('http.server.response.finish', (message) => {
    const { response } = message as { response: ServerResponse };
    const start = started.get(response);
    if (start !== undefined && acks.length < 500_000) acks.push({ ...start, finishMs: monotonicMs() });
  });
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'acks') return;
    const report: AckReport = { type: 'acks', acks, deliveriesSentMs, fileOps };
    process.send?.(report);
    acks = [];
    fileOps = [];
    deliveriesSentMs = [];
  });
}
