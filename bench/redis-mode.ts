/**
 * Redis mode (`redis_url`): what sharing the queue through Redis costs and gives. Receiving and end to end on
 * one core (GenHook and its redis-server pinned together on the server CPU, so the core pays for both), Redis
 * commands per alert (INFO commandstats before and after the end-to-end rounds, over the alerts delivered),
 * and `workers = 2` against `workers = 1` end to end, unpinned. Each GenHook gets its own Redis database, so
 * nothing one left behind is in another's queue.
 */
import { Redis } from 'ioredis';
import type { BenchChild } from './children.js';
import { alternateDrained, type DrainedSummary } from './drain-phases.js';
import type { GenhookChild, StartGenhookOptions } from './genhook-child.js';
import type { LoadResult } from './load.js';
import { alternateRounds, type Summary, type Target } from './phases.js';
import type { SignedBody } from './payloads.js';
import { startRedis } from './peers.js';

export interface RedisCommandCount {
  /** Redis commands per alert delivered, all commands together (INFO itself left out). */
  readonly total: number;
  /** Per command (evalsha, xreadgroup, xack, ...), per alert; the largest first. */
  readonly byCommand: readonly { readonly command: string; readonly perAlert: number }[];
  readonly alerts: number;
}

export interface RedisModeFigures {
  /** Log mode with redis_url: each webhook stored in the Redis stream, then taken and logged. */
  readonly receive: Summary;
  /** Delivering to the fake SL1 with redis_url, counted until drained. */
  readonly endToEnd: DrainedSummary;
  readonly commands: RedisCommandCount;
  /** Delivering, unpinned, wrk 2 threads: the same Redis mode with one and with two worker processes. */
  readonly workers: { readonly one: DrainedSummary; readonly two: DrainedSummary };
}

export interface RedisModeContext {
  readonly tmpRoot: string;
  readonly payload: SignedBody;
  readonly sl1: BenchChild;
  readonly sl1Url: string;
  /** Settings every bench GenHook shares (secret, dedup = id, queue size). */
  readonly base: StartGenhookOptions['config'];
  readonly timing: { readonly roundSec: number; readonly rounds: number; readonly e2eSec: number; readonly e2eRounds: number };
  /** CPU lists of the servers under test and of wrk in the per-core rounds; undefined: unpinned. */
  readonly serverCpus: string | undefined;
  readonly loadCpus: string | undefined;
  readonly startGh: (name: string, config: StartGenhookOptions['config'], extra?: Partial<StartGenhookOptions>) => Promise<GenhookChild>;
  /** wrk against a port: `threads`, pinned to `cpus` (undefined: unpinned). */
  readonly wrkOn: (port: number, threads: number, cpus: string | undefined) => (durationSec: number) => Promise<LoadResult>;
  readonly children: { stop(): Promise<void> }[];
  readonly log: (line: string) => void;
}

export async function measureRedisMode(ctx: RedisModeContext): Promise<RedisModeFigures> {
  const { timing, log } = ctx;
  const redis = await startRedis(`${ctx.tmpRoot}/redis-mode`, ctx.serverCpus);
  ctx.children.push(redis.child);
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    let db = 0;
    const inRedis = (config: Partial<StartGenhookOptions['config']>): StartGenhookOptions['config'] => ({ ...ctx.base, ...config, redisUrl: `${redis.url}/${++db}` });
    const drainTarget = (label: string, gh: GenhookChild, threads: number, cpus: string | undefined) => ({
      label, pid: gh.child.pid, load: ctx.wrkOn(gh.port, threads, cpus), settle: () => drained(gh),
    });

    log(`9a. Redis mode, receiving, pinned with its redis-server: ${timing.rounds} rounds × ${timing.roundSec} s`);
    const ghLog = await ctx.startGh('genhook-redis-log', inRedis({}));
    const logTarget: Target = { label: 'GenHook log mode + Redis', port: ghLog.port, pid: ghLog.child.pid, load: ctx.wrkOn(ghLog.port, 1, ctx.loadCpus), settle: () => drained(ghLog) };
    await logTarget.load?.(1);
    await logTarget.settle?.();
    const receive = (await alternateRounds([logTarget], ctx.payload, timing, log)).get(logTarget.label);
    await ghLog.child.stop();

    log(`9b. Redis mode, end to end, pinned with its redis-server: ${timing.e2eRounds} rounds × ${timing.e2eSec} s, counted until drained; Redis commands per alert`);
    const ghSl1 = await ctx.startGh('genhook-redis-sl1', inRedis({ sl1Url: ctx.sl1Url }));
    const e2eTarget = drainTarget('GenHook + Redis', ghSl1, 1, ctx.loadCpus);
    await alternateDrained([e2eTarget], ctx.sl1, 1, 1, () => undefined);
    const before = await commandStats(client);
    const endToEnd = (await alternateDrained([e2eTarget], ctx.sl1, timing.e2eSec, timing.e2eRounds, log)).get(e2eTarget.label);
    const after = await commandStats(client);
    await ghSl1.child.stop();
    const alerts = endToEnd?.rounds.reduce((sum, r) => sum + r.delivered, 0) ?? 0;
    const commands = perAlert(before, after, alerts);
    log(`  ${commands.total.toFixed(2)} Redis commands per alert (${commands.byCommand.slice(0, 6).map((c) => `${c.command} ${c.perAlert.toFixed(2)}`).join(', ')})`);

    log(`9c. Redis mode, end to end, unpinned, wrk 2 threads: workers = 1 against workers = 2, ${timing.e2eRounds} rounds × ${timing.e2eSec} s`);
    const one = await ctx.startGh('genhook-redis-workers-1', inRedis({ sl1Url: ctx.sl1Url }), { cpus: undefined });
    const two = await ctx.startGh('genhook-redis-workers-2', inRedis({ sl1Url: ctx.sl1Url, workers: 2 }), { cpus: undefined });
    const workerTargets = [drainTarget('workers = 1 + Redis', one, 2, undefined), drainTarget('workers = 2 + Redis', two, 2, undefined)];
    // Each worker warms its own JIT.
    await alternateDrained(workerTargets, ctx.sl1, 2, 1, () => undefined);
    const workerRounds = await alternateDrained(workerTargets, ctx.sl1, timing.e2eSec, timing.e2eRounds, log);
    await one.child.stop();
    await two.child.stop(10_000);
    const [w1, w2] = workerTargets.map((t) => workerRounds.get(t.label));
    if (!receive || !endToEnd || !w1 || !w2) throw new Error('bench: a Redis-mode summary is missing');
    return { receive, endToEnd, commands, workers: { one: w1, two: w2 } };
  } finally {
    client.disconnect();
    await redis.child.stop();
  }
}

/** Nothing waiting anywhere: not in a worker's queue, not in flight, not in the Redis stream (which waitDrained does not see). */
async function drained(gh: GenhookChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = await gh.metrics();
    if ((m.get('genhook_queue_depth') ?? 0) + (m.get('genhook_deliveries_in_flight') ?? 0) + (m.get('genhook_redis_pending') ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `cmdstat_<name>:calls=<n>,...` of INFO commandstats → name → calls. */
async function commandStats(client: Redis): Promise<Map<string, number>> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (match[1] && match[2]) calls.set(match[1], Number(match[2]));
  return calls;
}

function perAlert(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, alerts: number): RedisCommandCount {
  const byCommand = [...after]
    .filter(([command]) => command !== 'info')
    .map(([command, calls]) => ({ command, perAlert: (calls - (before.get(command) ?? 0)) / Math.max(1, alerts) }))
    .filter((c) => c.perAlert > 0)
    .sort((a, b) => b.perAlert - a.perAlert);
  return { total: byCommand.reduce((sum, c) => sum + c.perAlert, 0), byCommand, alerts };
}
