/**
 * The measurements, one function each. Every server runs in its own child process; the runner only drives
 * load, so GenHook and the bare server compete with the same load generator for the same two cores.
 */
import type { BenchChild } from './children.js';
import { readProcMemory, readTreeCpuMs, resetPeakRss } from './children.js';
import type { Sl1Stats } from './fake-sl1-server.js';
import type { GenhookChild } from './genhook-child.js';
import { median, runLoad, type LoadResult } from './load.js';
import { runPaced } from './paced-load.js';
import type { SignedBody } from './payloads.js';

export interface Timing {
  /** Seconds per saturation round. */
  readonly roundSec: number;
  readonly rounds: number;
  /** Seconds of sustained end-to-end load. */
  readonly e2eSec: number;
  /** Alerts left waiting for the memory measurement. */
  readonly waitingAlerts: number;
}

/** A server under test: GenHook (with its drain) or the bare baseline. */
export interface Target {
  readonly label: string;
  readonly port: number;
  /** Waits until earlier load is fully processed, so one round's backlog does not tax the next. */
  readonly settle?: () => Promise<void>;
  /** The server's process, for CPU time per request (with its children: workers, forked commands). */
  readonly pid?: number;
  /** Drives one saturation round; unset: autocannon on `port`. */
  readonly load?: (durationSec: number) => Promise<LoadResult>;
}

export interface Summary {
  readonly label: string;
  /** Median over rounds of 2xx per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Median over rounds of the server's CPU time per accepted request, µs, its backlog drained included. */
  readonly cpuUsPerRequest: number;
  readonly rounds: readonly LoadResult[];
}

export function summarise(label: string, rounds: readonly LoadResult[], cpuUs: readonly number[] = []): Summary {
  return {
    label,
    rps: median(rounds.map((r) => r.acceptedPerSec)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerRequest: median(cpuUs),
    rounds,
  };
}

/**
 * Median over rounds of a's throughput over b's in the same round: rounds of one cycle run seconds apart, so
 * load from elsewhere on the machine hits both sides of each ratio alike.
 */
export function pairedRatio(a: Summary, b: Summary): number {
  return median(a.rounds.flatMap((round, i) => {
    const other = b.rounds[i];
    return other === undefined ? [] : [round.acceptedPerSec / other.acceptedPerSec];
  }));
}

/**
 * Saturation rounds, alternating between targets and rotating the order each round so that neither always
 * runs first (warm caches) or last (accumulated noise).
 */
export async function alternateRounds(
  targets: readonly Target[],
  payload: SignedBody,
  timing: Pick<Timing, 'roundSec' | 'rounds'>,
  log: (line: string) => void,
): Promise<Map<string, Summary>> {
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.label, []]));
  const cpu = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < timing.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length];
      if (target === undefined) continue;
      await target.settle?.();
      const cpuBefore = target.pid === undefined ? Number.NaN : readTreeCpuMs(target.pid);
      const result = await (target.load?.(timing.roundSec) ?? runLoad({ port: target.port, payload, durationSec: timing.roundSec }));
      await target.settle?.();
      const cpuUs = target.pid === undefined ? Number.NaN : ((readTreeCpuMs(target.pid) - cpuBefore) * 1000) / Math.max(1, result.accepted);
      results.get(target.label)?.push(result);
      cpu.get(target.label)?.push(cpuUs);
      log(`  round ${round + 1} ${target.label.padEnd(22)} ${result.acceptedPerSec.toFixed(0).padStart(6)} 2xx/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  CPU ${cpuUs.toFixed(0)} µs/req${describeFailures(result)}`);
    }
  }
  return new Map([...results].map(([label, rounds]) => [label, summarise(label, rounds, cpu.get(label))]));
}

export function describeFailures(result: LoadResult): string {
  const other = Object.entries(result.statusCounts).filter(([code]) => !code.startsWith('2'));
  const parts = [
    ...other.map(([code, count]) => `${count}×${code}`),
    ...(result.errors > 0 ? [`${result.errors} errors`] : []),
    ...(result.timeouts > 0 ? [`${result.timeouts} timeouts`] : []),
  ];
  return parts.length === 0 ? '' : `  (${parts.join(', ')})`;
}

export interface EndToEnd {
  readonly deliveredPerSec: number;
  readonly windowSec: number;
  readonly delivered: number;
  readonly ingest: LoadResult;
}

/**
 * Full load on GenHook for `e2eSec`; the figure is what reached the fake SL1 per second between the end of
 * the first second (delivery warmed up) and the end of the load.
 */
export async function measureEndToEnd(genhook: GenhookChild, sl1: BenchChild, payload: SignedBody, e2eSec: number): Promise<EndToEnd> {
  const stats = () => sl1.ask<Sl1Stats>({ cmd: 'stats' }, 'stats');
  const load = runLoad({ port: genhook.port, payload, durationSec: e2eSec + 1 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const first = await stats();
  const startedAt = performance.now();
  const ingest = await load;
  const last = await stats();
  const windowSec = (performance.now() - startedAt) / 1000;
  const delivered = last.delivered - first.delivered;
  return { deliveredPerSec: delivered / windowSec, windowSec, delivered, ingest };
}

export interface WaitingMemory {
  readonly payloadBytes: number;
  readonly waiting: number;
  /** VmRSS before the burst, after warm-up and a full GC. */
  readonly idleRss: number;
  /** VmHWM over the burst (reset before it when the kernel allows). */
  readonly peakRss: number;
  /** (peakRss - idleRss) / waiting. */
  readonly peakBytesPerAlert: number;
  /** V8 heap after a full GC, before and with the alerts waiting. */
  readonly idleHeap: number;
  readonly waitingHeap: number;
  readonly retainedBytesPerAlert: number;
  readonly isPeakReset: boolean;
  readonly refused: number;
}

/**
 * SL1 paused, `count` webhooks posted, all left waiting; memory read from /proc (peak RSS) and from V8
 * after a full GC (what each waiting alert retains).
 */
export async function measureWaitingMemory(genhook: GenhookChild, sl1: BenchChild, payload: SignedBody, count: number): Promise<WaitingMemory> {
  await runLoad({ port: genhook.port, payload, amount: 2000 });
  await genhook.waitDrained(15_000);
  const idle = await genhook.memory(true);
  const idleRss = readProcMemory(genhook.child.pid).rss;
  await sl1.ask<Sl1Stats>({ cmd: 'pause' }, 'stats');
  const isPeakReset = resetPeakRss(genhook.child.pid);
  const burst = await runLoad({ port: genhook.port, payload, amount: count });
  // Everything accepted is now waiting or held in flight by the paused SL1.
  const deadline = Date.now() + 10_000;
  while ((await genhook.pending()) < burst.accepted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const { peakRss } = readProcMemory(genhook.child.pid);
  const waiting = await genhook.memory(true);
  await sl1.ask<Sl1Stats>({ cmd: 'resume' }, 'stats');
  return {
    payloadBytes: payload.body.length,
    waiting: burst.accepted,
    idleRss,
    peakRss,
    peakBytesPerAlert: (peakRss - idleRss) / Math.max(1, burst.accepted),
    idleHeap: idle.heapUsed + idle.external,
    waitingHeap: waiting.heapUsed + waiting.external,
    retainedBytesPerAlert: (waiting.heapUsed + waiting.external - idle.heapUsed - idle.external) / Math.max(1, burst.accepted),
    isPeakReset,
    refused: burst.non2xx + burst.errors,
  };
}

/**
 * A fixed rate (half of saturation): the acknowledgement latency a sender sees on a busy day. `paced` spreads
 * requests evenly (the figure checked against the target); `autocannon` uses its overallRate, which sends
 * each second's quota in a burst.
 */
export async function measureAtRate(target: Target, payload: SignedBody, rate: number, durationSec: number, how: 'paced' | 'autocannon'): Promise<LoadResult> {
  await target.settle?.();
  return how === 'paced'
    ? runPaced({ port: target.port, payload, rate, durationSec })
    : runLoad({ port: target.port, payload, durationSec, overallRate: rate });
}
