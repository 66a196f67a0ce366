/**
 * `npm run bench`: GenHook against the least its job needs, each a child process on 127.0.0.1, figures written
 * to BENCHMARKS.md. Per core (pinned, when the machine has 2 cores or more): every server on CPU 1, wrk, the
 * fake SL1 and this runner on CPU 0. All cores (unpinned): GenHook `workers = auto` against adnanh/webhook.
 * wrk drives the saturating rounds, undici the paced one, autocannon the memory bursts. Bounded: it gives up
 * after DEADLINE_MS, and every exit path kills its children.
 * BENCH_QUICK=1: shorter and fewer rounds, per-core and all-cores figures only (for iterating, not for figures).
 * BENCH_ONLY=redis: only the Redis-mode rounds (section 9), printed, BENCHMARKS.md left alone (for checking them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StallReport } from './child-guard.js';
import { guardChildren, readTreeCpuMs, startReadyChild, waitIdle } from './children.js';
import { alternateDrained, readProfileAreas, type DrainTarget, type ProfileAreas } from './drain-phases.js';
import { countRuleLines, repoWebhooksFile, writeScaledWebhooks, writeSettings } from './genhook-config.js';
import { genhookCliPath, startGenhook, type GenhookChild, type StartGenhookOptions } from './genhook-child.js';
import type { LoadResult } from './load.js';
import { measureLookupCost } from './lookup-micro.js';
import { runPaced } from './paced-load.js';
import { buildSignedPush, type SignedBody } from './payloads.js';
import { missingPrograms, startRedis, startWebhookPeer } from './peers.js';
import { measureRedisMode, type RedisModeFigures } from './redis-mode.js';
import { alternateRounds, describeFailures, measureWaitingMemory, summarise, type Target } from './phases.js';
import { buildRedisRows, buildRows, formatMarkdown, formatTable, type Figures } from './report.js';
import { runWrk } from './wrk.js';

/** A safety net against a hung round, not a budget: a full run took 511 s on a quiet morning and over 900 s on a busy afternoon here. */
const DEADLINE_MS = 1_800_000;
const SECRET = 'bench-github-secret';
const PAYLOAD_SIZES = { small: 1024, main: 7 * 1024, large: 64 * 1024 } as const;
const SOURCE_LINES = [10, 100, 1000] as const;
const isQuick = process.env['BENCH_QUICK'] === '1';
const isRedisOnly = process.env['BENCH_ONLY'] === 'redis';
const TIMING = isQuick ? { roundSec: 2, rounds: 2, e2eSec: 3, e2eRounds: 1, paced: 1, waitingAlerts: 10_000 } : { roundSec: 4, rounds: 5, e2eSec: 6, e2eRounds: 3, paced: 3, waitingAlerts: 10_000 };
/** Servers on one CPU, the load generator and the fake SL1 on another; undefined on a 1-core machine. */
const PIN = os.cpus().length >= 2 ? { server: '1', load: '0' } : undefined;

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const startedAt = performance.now();
/** Section headings (lines that start with neither a space nor a line break) carry the seconds since the start, so a slow stretch of a run shows where it was. */
const log = (line: string) => process.stdout.write(`${line === '' || /^\s/.test(line) ? '' : `[${((performance.now() - startedAt) / 1000).toFixed(0)} s] `}${line}\n`);

async function main(): Promise<void> {
  const missing = missingPrograms();
  if (missing.length > 0) throw new Error(`npm run bench needs programs that are not installed here:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  const loadBefore = os.loadavg()[0] ?? Number.NaN;
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-bench-'));
  const notes: string[] = [];
  const children: { stop(): Promise<void> }[] = [];
  // This runner (paced load, stats polling) shares the load generator's CPU.
  if (PIN) spawnSync('taskset', ['-a', '-pc', PIN.load, String(process.pid)], { stdio: 'ignore' });
  else notes.push('fewer than 2 CPUs: nothing pinned, the per-core figures share one core with the load generator');
  try {
    const payload = buildSignedPush(SECRET, PAYLOAD_SIZES.main);
    const small = buildSignedPush(SECRET, PAYLOAD_SIZES.small);
    const large = buildSignedPush(SECRET, PAYLOAD_SIZES.large);
    log(`payloads: ${small.body.length}, ${payload.body.length}, ${large.body.length} bytes`);

    const sl1 = await startReadyChild('fake-sl1', here('./fake-sl1-server.js'), ['0'], PIN?.load);
    children.push(sl1.child);
    const sl1Url = `http://127.0.0.1:${sl1.port}/api/alert`;
    const bare = await startReadyChild('bare', here('./bare-server.js'), ['0', SECRET], PIN?.server);
    const forwarder = await startReadyChild('bare-forwarder', here('./bare-forwarder.js'), ['0', SECRET, sl1Url], PIN?.server);
    children.push(bare.child, forwarder.child);
    const startGh = async (name: string, config: StartGenhookOptions['config'], extra: Partial<StartGenhookOptions> = {}) => {
      const gh = await startGenhook({ name, tmpRoot, webhooksFile: repoWebhooksFile(), config, ...(PIN ? { cpus: PIN.server } : {}), ...extra });
      children.push(gh.child);
      return gh;
    };
    const wrkOn = (port: number, body: SignedBody, path = '/webhook/github', threads = 1, cpus = PIN?.load) =>
      (durationSec: number) => runWrk({ url: `http://127.0.0.1:${port}${path}`, payload: body, durationSec, threads, ...(cpus === undefined ? {} : { cpus }) });
    const ghTarget = (label: string, gh: GenhookChild, body = payload): Target => ({
      label, port: gh.port, pid: gh.child.pid, load: wrkOn(gh.port, body),
      settle: async () => {
        if (!(await gh.waitDrained(30_000))) notes.push(`${label}: backlog not drained within 30 s before a round`);
      },
    });
    const bareTarget = (body = payload): Target => ({ label: 'bare receiver', port: bare.port, pid: bare.child.pid, load: wrkOn(bare.port, body) });
    // Unique delivery ids, one fixed signed body: body-digest dedup (default `both` with a secret) would answer
    // every request after the first `200 duplicate`, so the saturating rounds run with github_dedup = id.
    const ghBase = { secret: SECRET, queueMaxSize: 200_000, dedup: 'id' } as const;
    const redisModeOf = () => measureRedisMode({
      tmpRoot, payload, sl1: sl1.child, sl1Url, base: ghBase, children, log, startGh,
      // At most 3 rounds each: Redis mode adds five GenHooks' worth of rounds to the run.
      timing: { ...TIMING, rounds: Math.min(3, TIMING.rounds), e2eRounds: Math.min(3, TIMING.e2eRounds) },
      serverCpus: PIN?.server, loadCpus: PIN?.load,
      wrkOn: (port, threads, cpus) => (durationSec) => runWrk({ url: `http://127.0.0.1:${port}/webhook/github`, payload, durationSec, threads, ...(cpus === undefined ? {} : { cpus }) }),
    });
    if (isRedisOnly) {
      const redisMode = await redisModeOf();
      log(`\n${formatTable(buildRedisRows(redisMode, undefined))}\n`);
      return;
    }

    // 1. Receiving, one core each.
    const ghLog = await startGh('genhook-log-mode', ghBase);
    const ghLogOff = await startGh('genhook-log-journal-off', { ...ghBase, journalMode: 'off' });
    const receiveTargets = [ghTarget('GenHook log mode', ghLog), bareTarget(), ghTarget('GenHook log, journal off', ghLogOff)];
    log('warm-up');
    for (const t of receiveTargets) {
      await t.load?.(isQuick ? 1 : 2);
      await t.settle?.();
    }
    log(`1. receiving, pinned, wrk: ${TIMING.rounds} rounds × ${TIMING.roundSec} s, alternating`);
    const receive = await alternateRounds(receiveTargets, payload, TIMING, log);
    const logMode = receive.get('GenHook log mode');
    const bareReceive = receive.get('bare receiver');
    const journalOff = receive.get('GenHook log, journal off');
    if (!logMode || !bareReceive || !journalOff) throw new Error('bench: a receiving summary is missing');
    await ghLogOff.child.stop();

    // 2. End to end, one core each, counted until the backlog drains.
    const ghFsync = await startGh('genhook-fsync', { ...ghBase, sl1Url });
    const drainTargets: DrainTarget[] = [
      { label: 'GenHook (journal fsync)', pid: ghFsync.child.pid, load: wrkOn(ghFsync.port, payload), settle: async () => void (await ghFsync.waitDrained(60_000)) },
      { label: 'bare forwarder', pid: forwarder.child.pid, load: wrkOn(forwarder.port, payload), settle: () => waitIdle(forwarder.child.pid) },
    ];
    log('warm-up');
    await alternateDrained(drainTargets, sl1.child, isQuick ? 1 : 3, 1, () => undefined);
    log(`2. end to end, pinned, wrk: ${TIMING.e2eRounds} rounds × ${TIMING.e2eSec} s of load, each counted until its backlog drained`);
    const drained = await alternateDrained(drainTargets, sl1.child, TIMING.e2eSec, TIMING.e2eRounds, log);
    const e2eGh = drained.get('GenHook (journal fsync)');
    const e2eBare = drained.get('bare forwarder');
    if (!e2eGh || !e2eBare) throw new Error('bench: an end-to-end summary is missing');

    // 3. Acknowledgement latency at half of what GenHook sustains end to end, journal fsync, delivering.
    const halfRate = e2eGh.deliveredPerSec / 2;
    log(`3. paced at half of GenHook's end-to-end saturation: ${halfRate.toFixed(0)}/s, ${TIMING.paced} rounds of ${TIMING.roundSec} s`);
    const paced: { genhook: LoadResult[]; forwarder: LoadResult[] } = { genhook: [], forwarder: [] };
    // CPU per webhook at this rate, delivering included: far above the saturated figure when each request wakes the
    // process on its own (the reason the paced rounds keep the server core busy; see the notes).
    const pacedCpu: { genhook: number[]; forwarder: number[] } = { genhook: [], forwarder: [] };
    const stallNotes: string[] = [];
    for (let round = 0; round < TIMING.paced; round++) {
      await ghFsync.waitDrained(30_000);
      await ghFsync.child.ask<StallReport>({ type: 'stalls' }, 'stalls');
      const ghCpuBefore = readTreeCpuMs(ghFsync.child.pid);
      const g = await runPaced({ port: ghFsync.port, payload, rate: halfRate, durationSec: TIMING.roundSec });
      const stalls = await ghFsync.child.ask<StallReport>({ type: 'stalls' }, 'stalls');
      stallNotes.push(`paced round ${round + 1}: GenHook p99 ${g.p99Ms.toFixed(2)} ms; its event loop, between 10 ms samples (10 = no delay), p99 ${stalls.delayP99Ms.toFixed(1)} ms, max ${stalls.delayMaxMs.toFixed(1)} ms; ${stalls.gcCount} GC pauses, longest ${stalls.gcMaxMs.toFixed(1)} ms, ${stalls.gcTotalMs.toFixed(0)} ms in all`);
      await ghFsync.waitDrained(30_000);
      pacedCpu.genhook.push(((readTreeCpuMs(ghFsync.child.pid) - ghCpuBefore) * 1000) / g.accepted);
      const fwCpuBefore = readTreeCpuMs(forwarder.child.pid);
      const f = await runPaced({ port: forwarder.port, payload, rate: halfRate, durationSec: TIMING.roundSec });
      await waitIdle(forwarder.child.pid);
      pacedCpu.forwarder.push(((readTreeCpuMs(forwarder.child.pid) - fwCpuBefore) * 1000) / f.accepted);
      paced.genhook.push(g);
      paced.forwarder.push(f);
      log(`  round ${round + 1}: GenHook p50 ${g.p50Ms.toFixed(2)} p99 ${g.p99Ms.toFixed(2)} ms (${g.acceptedPerSec.toFixed(0)}/s${describeFailures(g)}), bare forwarder p50 ${f.p50Ms.toFixed(2)} p99 ${f.p99Ms.toFixed(2)} ms`);
    }
    await ghFsync.child.stop();
    await forwarder.child.stop();

    // 5. Where GenHook's CPU goes: a profiled saturated round of each per-core configuration.
    log('5. CPU profiles (--cpu-prof), pinned');
    const profiles: ProfileAreas[] = [];
    for (const [label, config, cpuUs] of [
      ['GenHook log mode (receiving)', ghBase, logMode.cpuUsPerRequest],
      ['GenHook journal fsync, delivering', { ...ghBase, sl1Url }, e2eGh.cpuUsPerAlert],
    ] as const) {
      const dir = join(tmpRoot, `prof-${profiles.length}`);
      const gh = await startGh(`genhook-profiled-${profiles.length}`, config, { cpuProfDir: dir });
      await runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec: TIMING.roundSec, ...(PIN ? { cpus: PIN.load } : {}) });
      await gh.waitDrained(60_000);
      await gh.child.stop(15_000);
      profiles.push(readProfileAreas(label, dir, cpuUs));
    }

    // 4. All cores, unpinned: GenHook workers = auto (with the Redis they need) against adnanh/webhook.
    log('4. all cores, unpinned, wrk 2 threads');
    if (PIN) spawnSync('taskset', ['-a', '-pc', `0-${os.cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
    const redis = await startRedis(join(tmpRoot, 'redis'));
    children.push(redis.child);
    const ghWorkers = await startGenhook({ name: 'genhook-workers', tmpRoot, webhooksFile: repoWebhooksFile(), config: { ...ghBase, workers: 'auto', redisUrl: redis.url } });
    children.push(ghWorkers.child);
    const peer = await startWebhookPeer(join(tmpRoot, 'webhook-peer'), SECRET);
    children.push(peer.child);
    const redisCpu: number[] = [];
    const allCoreTargets: Target[] = [
      {
        label: 'GenHook workers = auto', port: ghWorkers.port, pid: ghWorkers.child.pid,
        load: async (sec) => {
          const before = readTreeCpuMs(redis.child.pid);
          const result = await wrkOn(ghWorkers.port, payload, '/webhook/github', 2, undefined)(sec);
          await waitIdle(ghWorkers.child.pid);
          redisCpu.push(((readTreeCpuMs(redis.child.pid) - before) * 1000) / Math.max(1, result.accepted));
          return result;
        },
        settle: () => waitIdle(ghWorkers.child.pid),
      },
      { label: 'adnanh/webhook', port: peer.port, pid: peer.child.pid, load: wrkOn(peer.port, payload, '/hooks/github', 2, undefined), settle: () => waitIdle(peer.child.pid) },
    ];
    // Each worker has its own JIT to warm: twice the per-core warm-up.
    for (const t of allCoreTargets) {
      for (let i = 0; i < (isQuick ? 1 : 2); i++) {
        await t.load?.(isQuick ? 1 : 3);
        await t.settle?.();
      }
    }
    redisCpu.length = 0;
    const allCores = await alternateRounds(allCoreTargets, payload, TIMING, log);
    const workers = allCores.get('GenHook workers = auto');
    const webhookPeer = allCores.get('adnanh/webhook');
    if (!workers || !webhookPeer) throw new Error('bench: an all-cores summary is missing');
    await ghWorkers.child.stop(10_000);
    await peer.child.stop();
    await redis.child.stop();

    log('9. Redis mode (redis_url)');
    const redisMode: RedisModeFigures = await redisModeOf();

    const extra = isQuick ? undefined : await measureExtras(startGh, ghTarget, bareTarget, sl1, sl1Url, { payload, small, large }, tmpRoot, notes);
    const figures: Figures = {
      machine: { ...describeMachine(), loadAverage: [loadBefore, os.loadavg()[0] ?? Number.NaN] },
      command: process.env['npm_lifecycle_event'] === 'bench' ? `${isQuick ? 'BENCH_QUICK=1 ' : ''}npm run bench` : `node ${shownPath(process.argv[1] ?? 'dist/bench/run.js')} (what npm run bench runs after building)`,
      genhookCli: shownPath(genhookCliPath()),
      isPinned: PIN !== undefined,
      totalSec: (performance.now() - startedAt) / 1000,
      notes: [...new Set(notes), ...stallNotes, ...(isQuick ? ['BENCH_QUICK=1: shortened phases; not for comparison'] : [])],
      payloadBytes: payload.body.length,
      receive: { logMode, bare: bareReceive, journalOff },
      endToEnd: { genhook: e2eGh, forwarder: e2eBare },
      halfRate: { rate: halfRate, genhook: summarise('GenHook', paced.genhook, pacedCpu.genhook), forwarder: summarise('bare forwarder', paced.forwarder, pacedCpu.forwarder) },
      allCores: { workers, peer: webhookPeer, redisCpuUs: redisCpu.sort((a, b) => a - b)[Math.floor(redisCpu.length / 2)] ?? Number.NaN },
      redisMode,
      profiles,
      ...(extra ?? {}),
    };
    const rows = buildRows(figures);
    log(`\n${formatTable(rows)}\n`);
    writeFileSync(join(process.cwd(), 'BENCHMARKS.md'), formatMarkdown(figures, rows));
    log(`wrote ${join(process.cwd(), 'BENCHMARKS.md')} (${figures.totalSec.toFixed(0)} s)`);
  } finally {
    for (const child of children) await child.stop().catch(() => undefined);
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

/** Memory with alerts waiting, payload size and configured lines: the full run only. */
async function measureExtras(
  startGh: (name: string, config: StartGenhookOptions['config'], extra?: Partial<StartGenhookOptions>) => Promise<GenhookChild>,
  ghTarget: (label: string, gh: GenhookChild, body?: SignedBody) => Target,
  bareTarget: (body?: SignedBody) => Target,
  sl1: Awaited<ReturnType<typeof startReadyChild>>,
  sl1Url: string,
  bodies: { payload: SignedBody; small: SignedBody; large: SignedBody },
  tmpRoot: string,
  notes: string[],
): Promise<Pick<Figures, 'memory' | 'payloadScaling' | 'sourceScaling' | 'lookup'>> {
  log('6. payload size, pinned, log mode');
  const ghLog = await startGh('genhook-log-sizes', { secret: SECRET, queueMaxSize: 200_000, dedup: 'id' });
  const payloadScaling = [];
  for (const body of [bodies.small, bodies.payload, bodies.large]) {
    const g = ghTarget('GenHook log mode', ghLog, body);
    const b = bareTarget(body);
    await g.load?.(1);
    await g.settle?.();
    const rounds = await alternateRounds([g, b], body, { roundSec: TIMING.roundSec, rounds: 2 }, log);
    const gs = rounds.get(g.label);
    const bs = rounds.get(b.label);
    if (gs && bs) payloadScaling.push({ bytes: body.body.length, genhook: gs, bare: bs });
  }
  await ghLog.child.stop();

  log(`7. memory with ${TIMING.waitingAlerts} alerts waiting (SL1 paused), unpinned`);
  const memory = [];
  for (const body of [bodies.small, bodies.payload, bodies.large]) {
    const gh = await startGh(`genhook-memory-${body.body.length}`, { secret: SECRET, sl1Url, queueMaxSize: 20_000, sl1Timeout: '120s', dedup: 'id' }, { cpus: undefined });
    const m = await measureWaitingMemory(gh, sl1.child, body, TIMING.waitingAlerts);
    log(`  ${body.body.length} B: ${m.waiting} waiting, peak RSS ${(m.peakRss / 2 ** 20).toFixed(1)} MiB, ${m.retainedBytesPerAlert.toFixed(0)} B/alert (heap)`);
    if (!m.isPeakReset) notes.push('VmHWM could not be reset; peak RSS is the peak since the child started');
    memory.push(m);
    await gh.child.stop();
  }

  log('8. configured lines, pinned, log mode');
  const scaled = new Map<number, string>(SOURCE_LINES.map((lines) => [lines, writeScaledWebhooks(tmpRoot, lines)]));
  const sourceTargets: { lines: number; gh: GenhookChild; target: Target }[] = [];
  for (const [lines, file] of scaled) {
    const gh = await startGh(`genhook-lines-${lines}`, { secret: SECRET, queueMaxSize: 200_000, dedup: 'id' }, { webhooksFile: file });
    sourceTargets.push({ lines, gh, target: ghTarget(`GenHook ${lines} lines`, gh) });
  }
  for (const { target } of sourceTargets) {
    await target.load?.(1);
    await target.settle?.();
  }
  const sourceRounds = await alternateRounds(sourceTargets.map((s) => s.target), bodies.payload, { roundSec: TIMING.roundSec, rounds: 3 }, log);
  const sourceScaling = sourceTargets.flatMap(({ lines, target }) => {
    const summary = sourceRounds.get(target.label);
    return summary ? [{ lines, ruleLines: countRuleLines(scaled.get(lines) ?? ''), genhook: summary }] : [];
  });
  for (const { gh } of sourceTargets) await gh.child.stop();
  const lookupSettings = writeSettings(tmpRoot, { port: 8080, secret: SECRET, dataDir: join(tmpRoot, 'lookup-data') });
  const lookup = measureLookupCost(scaled, bodies.payload.body, lookupSettings);
  log(`  lookup ns/call: ${lookup.map((l) => `${l.lines} lines ${l.nsPerLookup.toFixed(0)}`).join(', ')}`);
  return { memory, payloadScaling, sourceScaling, lookup };
}

/** Relative to the repo when inside it, else absolute. */
function shownPath(path: string): string {
  const inRepo = relative(process.cwd(), path);
  return inRepo.startsWith('..') ? path : inRepo;
}

function describeMachine(): Omit<Figures['machine'], 'loadAverage'> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: os.totalmem() / 2 ** 30,
    date: new Date().toISOString(),
  };
}

guardChildren();
const deadline = setTimeout(() => {
  process.stderr.write(`bench: still running after ${DEADLINE_MS / 1000} s; stopping (children are killed)\n`);
  process.exit(2);
}, DEADLINE_MS);
main().then(
  () => {
    clearTimeout(deadline);
    // autocannon and undici can leave sockets behind; nothing else is left to wait for.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
