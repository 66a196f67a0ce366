/**
 * End to end, counted until the backlog drains, and CPU profiles of a saturated round: the measurements of
 * the per-core comparison that need more than a load round.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { BenchChild } from './children.js';
import { readTreeCpuMs } from './children.js';
import type { Sl1Stats } from './fake-sl1-server.js';
import type { LoadResult } from './load.js';
import { median } from './load.js';
import { summariseProfile, type SelfTime } from './profile.js';

export interface DrainedRound {
  /** Alerts that reached the fake SL1 per second, from the start of the load to the last one delivered. */
  readonly deliveredPerSec: number;
  readonly delivered: number;
  /** Seconds from the start of the load to the last delivery. */
  readonly windowSec: number;
  /** Seconds the load ran. */
  readonly loadSec: number;
  readonly ingest: LoadResult;
  /** Server CPU (with children) over the round and the drain, per delivered alert, µs. */
  readonly cpuUsPerAlert: number;
  /** False when deliveries stopped short of the 2xx count (lost, or still held after the wait). */
  readonly isComplete: boolean;
}

export interface DrainTarget {
  readonly label: string;
  readonly pid: number;
  readonly load: (durationSec: number) => Promise<LoadResult>;
  /** After the drain: anything else the server must finish before the next round (GenHook's queue empty). */
  readonly settle?: () => Promise<void>;
}

/** Stop waiting for the drain once nothing arrived at SL1 for this long. */
const DRAIN_QUIET_MS = 3000;
const DRAIN_MAX_MS = 120_000;

/**
 * Saturating load for `loadSec`, then wait until every 2xx answered has reached the fake SL1 (or deliveries
 * stop): delivered / (time of the last delivery - start of the load).
 */
export async function measureDrained(target: DrainTarget, sl1: BenchChild, loadSec: number): Promise<DrainedRound> {
  const stats = () => sl1.ask<Sl1Stats>({ cmd: 'stats' }, 'stats');
  await target.settle?.();
  const before = await stats();
  const cpuBefore = readTreeCpuMs(target.pid);
  const startedAt = performance.now();
  const ingest = await target.load(loadSec);
  const loadSec_ = (performance.now() - startedAt) / 1000;
  let lastCount = (await stats()).delivered - before.delivered;
  let lastChangeAt = performance.now();
  while (lastCount < ingest.accepted) {
    const now = performance.now();
    if (now - lastChangeAt > DRAIN_QUIET_MS || now - startedAt > DRAIN_MAX_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const count = (await stats()).delivered - before.delivered;
    if (count !== lastCount) {
      lastCount = count;
      lastChangeAt = performance.now();
    }
  }
  const cpuMs = readTreeCpuMs(target.pid) - cpuBefore;
  await target.settle?.();
  const windowSec = (lastChangeAt - startedAt) / 1000;
  return {
    deliveredPerSec: lastCount / windowSec,
    delivered: lastCount,
    windowSec,
    loadSec: loadSec_,
    ingest,
    cpuUsPerAlert: (cpuMs * 1000) / Math.max(1, lastCount),
    isComplete: lastCount >= ingest.accepted,
  };
}

export interface DrainedSummary {
  readonly label: string;
  readonly deliveredPerSec: number;
  readonly cpuUsPerAlert: number;
  readonly rounds: readonly DrainedRound[];
}

/** Rounds alternating between the targets (order rotating), medians per target. */
export async function alternateDrained(targets: readonly DrainTarget[], sl1: BenchChild, loadSec: number, rounds: number, log: (line: string) => void): Promise<Map<string, DrainedSummary>> {
  const results = new Map<string, DrainedRound[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length];
      if (target === undefined) continue;
      const r = await measureDrained(target, sl1, loadSec);
      results.get(target.label)?.push(r);
      log(`  round ${round + 1} ${target.label.padEnd(24)} ${r.deliveredPerSec.toFixed(0).padStart(6)} alerts/s to SL1 (${r.delivered} in ${r.windowSec.toFixed(2)} s, load ${r.loadSec.toFixed(1)} s at ${r.ingest.acceptedPerSec.toFixed(0)} 2xx/s)  CPU ${r.cpuUsPerAlert.toFixed(0)} µs/alert${r.isComplete ? '' : '  INCOMPLETE'}`);
    }
  }
  return new Map([...results].map(([label, rs]) => [label, {
    label,
    deliveredPerSec: median(rs.map((r) => r.deliveredPerSec)),
    cpuUsPerAlert: median(rs.map((r) => r.cpuUsPerAlert)),
    rounds: rs,
  }]));
}

/** Median of a's rate over b's in the same round. */
export function pairedDrainedRatio(a: DrainedSummary, b: DrainedSummary): number {
  return median(a.rounds.flatMap((round, i) => {
    const other = b.rounds[i];
    return other === undefined ? [] : [round.deliveredPerSec / other.deliveredPerSec];
  }));
}

export interface ProfileAreas {
  readonly label: string;
  /** Server CPU per webhook in the unprofiled measurement, µs: the areas' shares are applied to it. */
  readonly cpuUsPerWebhook: number;
  readonly areas: readonly SelfTime[];
  readonly topFunctions: readonly SelfTime[];
}

/** The areas of the .cpuprofile GenHook wrote into `dir` on exit (the profile tool's grouping). */
export function readProfileAreas(label: string, dir: string, cpuUsPerWebhook: number): ProfileAreas {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}: did GenHook exit normally on SIGTERM?`);
  const { byArea, byFunction } = summariseProfile(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Parameters<typeof summariseProfile>[0]);
  rmSync(dir, { recursive: true, force: true });
  return { label, cpuUsPerWebhook, areas: byArea, topFunctions: byFunction.slice(0, 12) };
}
