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
