import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

/**
 * Keeps benchmark children from outliving the runner. Every child is spawned with an IPC channel; when the
 * runner exits, even by SIGKILL, the channel closes and the child exits with it.
 */

/** Exits this process as soon as the parent's IPC channel closes; does not by itself keep the process alive. */
export function exitWithParent(): void {
  if (process.channel === undefined) return;
  process.on('disconnect', () => process.exit(0));
  process.channel.unref();
}

/** What a child reports about its own memory, in bytes. */
export interface MemoryReport {
  readonly type: 'memory';
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/**
 * Answers `{ type: 'memory', gc }` messages with process.memoryUsage(), after a full GC when asked and when
 * the process runs with --expose-gc. Lets the runner measure retained heap without touching the server's code.
 */
export function answerMemoryProbes(): void {
  if (process.channel === undefined || process.send === undefined) return;
  process.on('message', (message: unknown) => {
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    if (type === 'heap-snapshot') {
      // For finding what a waiting alert retains: open the file in Chrome DevTools > Memory.
      process.send?.({ type: 'heap-snapshot', file: writeHeapSnapshot((message as { file?: string }).file) });
      return;
    }
    if (type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if ((message as { gc?: unknown }).gc === true && gc !== undefined) {
      gc();
      gc();
    }
    const usage = process.memoryUsage();
    const report: MemoryReport = { type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
    process.send?.(report);
  });
  process.channel.unref();
}

/** What blocked the event loop since the last probe: its delay percentiles and the GC pauses, ms. */
export interface StallReport {
  readonly type: 'stalls';
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  readonly gcCount: number;
  readonly gcMaxMs: number;
  readonly gcTotalMs: number;
  /** Pauses of 5 ms or more, by GC kind (minor, major, incremental, weakcb). */
  readonly gcLongByKind: Readonly<Record<string, number>>;
}

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** A GC performance entry's kind: minor, major, incremental, weakcb (or other). */
export function gcKind(entry: PerformanceEntry): string {
  return GC_KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
}

/**
 * Answers `{ type: 'stalls' }` with the event loop delay and GC pauses since the last ask. The delay monitor runs only
 * between one ask and the next (the runner asks before and after a paced round), sampling every 10 ms: left on at 1 ms
 * it woke every GenHook the bench measured 1,000 times a second, 8% of a core for an idle worker.
 */
export function answerStallProbes(): void {
  if (process.channel === undefined || process.send === undefined) return;
  let delay: IntervalHistogram | undefined;
  let gc = { count: 0, maxMs: 0, totalMs: 0, longByKind: {} as Record<string, number> };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (entry.duration >= 5) {
        const kind = gcKind(entry);
        gc.longByKind[kind] = (gc.longByKind[kind] ?? 0) + 1;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'stalls') return;
    const report: StallReport = {
      type: 'stalls',
      delayP99Ms: delay === undefined ? 0 : delay.percentile(99) / 1e6,
      delayMaxMs: delay === undefined ? 0 : delay.max / 1e6,
      gcCount: gc.count,
      gcMaxMs: gc.maxMs,
      gcTotalMs: gc.totalMs,
      gcLongByKind: gc.longByKind,
    };
    if (delay === undefined) {
      delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
    } else {
      delay.disable();
      delay = undefined;
    }
    gc = { count: 0, maxMs: 0, totalMs: 0, longByKind: {} };
    process.send?.(report);
  });
}

/** One stretch in which a 1 ms timer could not run: hrtime in µs (the clock .cpuprofile timestamps use). */
export interface LoopGap {
  readonly startUs: number;
  readonly endUs: number;
  /** Process CPU (all threads) used during the gap: near the gap's length means busy, far below means descheduled. */
  readonly cpuUs: number;
}

/**
 * With GENHOOK_BENCH_GAPS=1 (stall-trace only: the timer costs a little), records every stretch of 5 ms or more
 * in which a 1 ms timer did not run, and answers `{ type: 'gaps' }` with them (then forgets them).
 */
export function answerGapProbes(): void {
  if (process.env['GENHOOK_BENCH_GAPS'] !== '1' || process.channel === undefined || process.send === undefined) return;
  let gaps: LoopGap[] = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const cpuNowUs = () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  };
  let lastUs = nowUs();
  let lastCpuUs = cpuNowUs();
  setInterval(() => {
    const now = nowUs();
    const cpu = cpuNowUs();
    if (now - lastUs >= 5_000 && gaps.length < 10_000) gaps.push({ startUs: lastUs, endUs: now, cpuUs: cpu - lastCpuUs });
    lastUs = now;
    lastCpuUs = cpu;
  }, 1).unref();
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'gaps') return;
    process.send?.({ type: 'gaps', gaps });
    gaps = [];
  });
}

/**
 * Durations, ms, sorted, of every FileHandle.datasync() and .write() (the journal's group commit): from the call
 * until the main thread resumes after it, so a busy loop shows up in them as well as the disk.
 */
export interface SyncReport {
  readonly type: 'syncs';
  readonly durationsMs: readonly number[];
  readonly writesMs: readonly number[];
}

/**
 * With GENHOOK_BENCH_GAPS=1, times every FileHandle.datasync() and .write() (the journal's group commit) and
 * answers `{ type: 'syncs' }` with their durations since the last probe.
 */
export async function answerSyncProbes(): Promise<void> {
  if (process.env['GENHOOK_BENCH_GAPS'] !== '1' || process.channel === undefined || process.send === undefined) return;
  const { open } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { rm } = await import('node:fs/promises');
  const probeFile = join(tmpdir(), `genhook-bench-sync-probe-${process.pid}`);
  const probe = await open(probeFile, 'a');
  const proto = Object.getPrototypeOf(probe) as { datasync: (this: unknown) => Promise<void>; write: (this: unknown, ...args: unknown[]) => Promise<unknown> };
  const originalWrite = proto.write;
  let writes: number[] = [];
  proto.write = async function timedWrite(this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await originalWrite.apply(this, args);
    } finally {
      if (writes.length < 200_000) writes.push(performance.now() - started);
    }
  };
  await probe.close();
  await rm(probeFile, { force: true });
  const original = proto.datasync;
  let durations: number[] = [];
  proto.datasync = async function timedDatasync(this: unknown) {
    const started = performance.now();
    try {
      return await original.call(this);
    } finally {
      if (durations.length < 200_000) durations.push(performance.now() - started);
    }
  };
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'syncs') return;
    const report: SyncReport = { type: 'syncs', durationsMs: durations.sort((a, b) => a - b), writesMs: writes.sort((a, b) => a - b) };
    process.send?.(report);
    durations = [];
    writes = [];
  });
}
