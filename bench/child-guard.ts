import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
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

/** Answers `{ type: 'stalls', reset }` with the event loop delay and GC pauses since the last reset. */
export function answerStallProbes(): void {
  if (process.channel === undefined || process.send === undefined) return;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  let gc = { count: 0, maxMs: 0, totalMs: 0, longByKind: {} as Record<string, number> };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (entry.duration >= 5) {
        const kind = KINDS[((entry as { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
        gc.longByKind[kind] = (gc.longByKind[kind] ?? 0) + 1;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'stalls') return;
    const report: StallReport = {
      type: 'stalls',
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      gcCount: gc.count,
      gcMaxMs: gc.maxMs,
      gcTotalMs: gc.totalMs,
      gcLongByKind: gc.longByKind,
    };
    delay.reset();
    gc = { count: 0, maxMs: 0, totalMs: 0, longByKind: {} };
    process.send?.(report);
  });
}
