/**
 * `npm run bench`: GenHook, a bare node:http receiver and a fake SL1, each a child process on 127.0.0.1,
 * driven by autocannon from this process. Prints a table and writes BENCHMARKS.md. Bounded: it gives up
 * after DEADLINE_MS, and every exit path kills its children.
 * BENCH_QUICK=1 shortens every phase (for trying the harness, not for figures).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardChildren, startReadyChild } from './children.js';
import { countRuleLines, repoWebhooksFile, writeScaledWebhooks, writeSettings } from './genhook-config.js';
import { genhookCliPath, startGenhook, type GenhookChild } from './genhook-child.js';
import { runLoad, type LoadResult } from './load.js';
import { measureLookupCost } from './lookup-micro.js';
import { buildSignedPush, type SignedBody } from './payloads.js';
import { alternateRounds, describeFailures, measureAtRate, measureEndToEnd, measureWaitingMemory, summarise, type Target, type Timing } from './phases.js';
import { buildRows, formatMarkdown, formatTable, type Figures } from './report.js';

const DEADLINE_MS = 270_000;
const SECRET = 'bench-github-secret';
const PAYLOAD_SIZES = { small: 1024, main: 7 * 1024, large: 64 * 1024 } as const;
const SOURCE_LINES = [10, 100, 1000] as const;
const isQuick = process.env['BENCH_QUICK'] === '1';
const TIMING: Timing = isQuick
  ? { roundSec: 1, rounds: 2, e2eSec: 5, waitingAlerts: 10_000 }
  : { roundSec: 2, rounds: 5, e2eSec: 20, waitingAlerts: 10_000 };

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadBefore = os.loadavg()[0] ?? Number.NaN;
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-bench-'));
  const notes: string[] = [];
  const children: { stop(): Promise<void> }[] = [];
  try {
    const payload = buildSignedPush(SECRET, PAYLOAD_SIZES.main);
    const small = buildSignedPush(SECRET, PAYLOAD_SIZES.small);
    const large = buildSignedPush(SECRET, PAYLOAD_SIZES.large);
    log(`payloads: ${small.body.length}, ${payload.body.length}, ${large.body.length} bytes`);

    const sl1 = await startReadyChild('fake-sl1', here('./fake-sl1-server.js'), ['0']);
    const bare = await startReadyChild('bare', here('./bare-server.js'), ['0', SECRET]);
    children.push(sl1.child, bare.child);
    const sl1Url = `http://127.0.0.1:${sl1.port}/api/alert`;
    const startGh = async (name: string, config: Parameters<typeof startGenhook>[0]['config'], webhooksFile = repoWebhooksFile()) => {
      const gh = await startGenhook({ name, tmpRoot, webhooksFile, config, ...(process.env['BENCH_CPU_PROF'] ? { cpuProfDir: process.env['BENCH_CPU_PROF'] } : {}) });
      children.push(gh.child);
      return gh;
    };
    const asTarget = (label: string, gh: GenhookChild): Target => ({
      label,
      port: gh.port,
      pid: gh.child.pid,
      settle: async () => {
        if (!(await gh.waitDrained(20_000))) notes.push(`${label}: backlog not drained within 20 s before a round`);
      },
    });
    const bareTarget: Target = { label: 'bare', port: bare.port, pid: bare.child.pid };

    // A burst is absorbed by the queue; 200,000 keeps a saturation round from turning into 503s, so it measures ingest.
    const ghFsync = await startGh('genhook-fsync', { secret: SECRET, sl1Url, queueMaxSize: 200_000 });
    const ghOff = await startGh('genhook-journal-off', { secret: SECRET, sl1Url, queueMaxSize: 200_000, journalMode: 'off' });
    const ghLog = await startGh('genhook-log-mode', { secret: SECRET, queueMaxSize: 200_000 });
    const fsyncTarget = asTarget('GenHook', ghFsync);
    const offTarget = asTarget('GenHook journal off', ghOff);
    const logTarget = asTarget('GenHook log mode', ghLog);
    const ingestTargets = [fsyncTarget, bareTarget, offTarget, logTarget];

    log('warm-up');
    await warmUp(ingestTargets, payload);

    log(`1 + 4. ingest at saturation, ${TIMING.rounds} rounds × ${TIMING.roundSec} s, alternating`);
    const ingest = await alternateRounds(ingestTargets, payload, TIMING, log);
    const genhook = ingest.get(fsyncTarget.label);
    const bareSummary = ingest.get(bareTarget.label);
    const journalOff = ingest.get(offTarget.label);
    const logMode = ingest.get(logTarget.label);
    if (!genhook || !bareSummary || !journalOff || !logMode) throw new Error('bench: a saturation summary is missing');
    await ghOff.child.stop();
    await ghLog.child.stop();

    const halfRate = genhook.rps / 2;
    log(`2. latency at half of GenHook's saturation: ${halfRate.toFixed(0)}/s, rounds of ${TIMING.roundSec} s`);
    const pacedRounds: { genhook: LoadResult[]; bare: LoadResult[] } = { genhook: [], bare: [] };
    for (let round = 0; round < 3; round++) {
      const g = await measureAtRate(fsyncTarget, payload, halfRate, TIMING.roundSec, 'paced');
      const b = await measureAtRate(bareTarget, payload, halfRate, TIMING.roundSec, 'paced');
      pacedRounds.genhook.push(g);
      pacedRounds.bare.push(b);
      log(`  paced round ${round + 1}: GenHook p50 ${g.p50Ms.toFixed(2)} p99 ${g.p99Ms.toFixed(2)} ms (${g.acceptedPerSec.toFixed(0)}/s${describeFailures(g)}), bare p50 ${b.p50Ms.toFixed(2)} p99 ${b.p99Ms.toFixed(2)} ms`);
    }
    const halfGh = summarise('GenHook', pacedRounds.genhook);
    const halfBare = summarise('bare', pacedRounds.bare);
    const halfGhBursts = await measureAtRate(fsyncTarget, payload, halfRate, TIMING.roundSec, 'autocannon');
    log(`  autocannon overallRate: GenHook p99 ${halfGhBursts.p99Ms.toFixed(2)} ms`);

    log(`3. end-to-end for ${TIMING.e2eSec} s`);
    await fsyncTarget.settle?.();
    const endToEnd = await measureEndToEnd(ghFsync, sl1.child, payload, TIMING.e2eSec);
    log(`  ${endToEnd.deliveredPerSec.toFixed(0)} alerts/s delivered (ingest ${endToEnd.ingest.acceptedPerSec.toFixed(0)} 2xx/s${describeFailures(endToEnd.ingest)})`);
    await fsyncTarget.settle?.();

    log('6. payload size');
    const payloadScaling = [];
    for (const body of [small, large]) {
      const rounds = await alternateRounds([fsyncTarget, bareTarget], body, { roundSec: TIMING.roundSec, rounds: 2 }, log);
      const g = rounds.get(fsyncTarget.label);
      const b = rounds.get(bareTarget.label);
      if (g && b) payloadScaling.push({ bytes: body.body.length, genhook: g, bare: b });
    }
    payloadScaling.splice(1, 0, { bytes: payload.body.length, genhook, bare: bareSummary });
    await ghFsync.child.stop();

    log(`5. memory with ${TIMING.waitingAlerts} alerts waiting (SL1 paused)`);
    const memory = [];
    for (const body of [small, payload, large]) {
      const gh = await startGh(`genhook-memory-${body.body.length}`, { secret: SECRET, sl1Url, queueMaxSize: 20_000, sl1Timeout: '120s' });
      const m = await measureWaitingMemory(gh, sl1.child, body, TIMING.waitingAlerts);
      log(`  ${body.body.length} B: ${m.waiting} waiting, peak RSS ${(m.peakRss / 2 ** 20).toFixed(1)} MiB, ${m.peakBytesPerAlert.toFixed(0)} B/alert (RSS), ${m.retainedBytesPerAlert.toFixed(0)} B/alert (heap)`);
      if (!m.isPeakReset) notes.push('VmHWM could not be reset; peak RSS is the peak since the child started');
      memory.push(m);
      await gh.child.stop();
    }

    log('6. configured sources');
    const scaled = new Map<number, string>(SOURCE_LINES.map((lines) => [lines, writeScaledWebhooks(tmpRoot, lines)]));
    const sourceTargets: { lines: number; gh: GenhookChild; target: Target }[] = [];
    for (const [lines, file] of scaled) {
      const gh = await startGh(`genhook-lines-${lines}`, { secret: SECRET, sl1Url, queueMaxSize: 200_000 }, file);
      sourceTargets.push({ lines, gh, target: asTarget(`GenHook ${lines} lines`, gh) });
    }
    await warmUp(sourceTargets.map((s) => s.target), payload);
    const sourceRounds = await alternateRounds(sourceTargets.map((s) => s.target), payload, { roundSec: TIMING.roundSec, rounds: isQuick ? 2 : 4 }, log);
    const sourceScaling = sourceTargets.flatMap(({ lines, target }) => {
      const summary = sourceRounds.get(target.label);
      return summary ? [{ lines, ruleLines: countRuleLines(scaled.get(lines) ?? ''), genhook: summary }] : [];
    });
    for (const { gh } of sourceTargets) await gh.child.stop();
    const lookupSettings = writeSettings(tmpRoot, { port: 8080, secret: SECRET, dataDir: join(tmpRoot, 'lookup-data') });
    const lookup = measureLookupCost(scaled, payload.body, lookupSettings);
    log(`  lookup ns/call: ${lookup.map((l) => `${l.lines} lines ${l.nsPerLookup.toFixed(0)}`).join(', ')}`);

    const figures: Figures = {
      machine: { ...describeMachine(), loadAverage: [loadBefore, os.loadavg()[0] ?? Number.NaN] },
      command: process.env['npm_lifecycle_event'] === 'bench' ? 'npm run bench' : `node ${shownPath(process.argv[1] ?? 'dist/bench/run.js')} (what npm run bench runs after building)`,
      genhookCli: shownPath(genhookCliPath()),
      totalSec: (performance.now() - startedAt) / 1000,
      notes: [...new Set(notes), ...(isQuick ? ['BENCH_QUICK=1: shortened phases; not for comparison'] : [])],
      payloadBytes: payload.body.length,
      ingest: { genhook, bare: bareSummary, journalOff, logMode },
      halfRate: { rate: halfRate, genhook: halfGh, bare: halfBare, genhookBursts: halfGhBursts },
      endToEnd,
      memory,
      payloadScaling,
      sourceScaling,
      lookup,
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

/** Relative to the repo when inside it, else absolute. */
function shownPath(path: string): string {
  const inRepo = relative(process.cwd(), path);
  return inRepo.startsWith('..') ? path : inRepo;
}

/** JIT, connection pools and the journal file get going before anything is measured. */
async function warmUp(targets: readonly Target[], payload: SignedBody): Promise<void> {
  for (const target of targets) {
    await runLoad({ port: target.port, payload, durationSec: isQuick ? 1 : 1.5 });
    await target.settle?.();
  }
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
    // autocannon can leave sockets behind; nothing else is left to wait for.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
