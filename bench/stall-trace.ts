/**
 * `node dist/bench/stall-trace.js [rate] [seconds] [journal_mode] [sl1|log]`: what runs in GenHook's long
 * event-loop stalls under the paced load of `npm run bench` (evenly paced, journal fsync, delivering to the fake
 * SL1), pinned as the bench is. GenHook runs under `--cpu-prof` (sampling every 100 µs) with the bench preload
 * recording every stretch in which a 1 ms timer could not run (a gap), with the process CPU used meanwhile; the
 * profile's samples inside each gap say what held the loop. A gap with far less CPU than wall time is the
 * machine's other work (GenHook was descheduled), not GenHook's.
 * STALL_PREFILL=<s>: saturate with wrk that long first (as the bench's end-to-end rounds do before its paced rounds).
 * STALL_CLI=<path to another build's dist/src/cli.js>: trace that build instead of this one.
 * STALL_MS=<ms>: shortest gap shown (default 8). STALL_INTERVAL_US: sampling interval (default 250; 100 costs GenHook
 * about a fifth more CPU). STALL_NOPROF=1: no profiler, only the latencies, gaps and CPU by thread.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoopGap, StallReport, SyncReport } from './child-guard.js';
import { runAsScript, startReadyChild } from './children.js';
import { repoWebhooksFile, type JournalMode } from './genhook-config.js';
import { startGenhook } from './genhook-child.js';
import { runPaced } from './paced-load.js';
import { buildSignedPush } from './payloads.js';
import { runWrk } from './wrk.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const SHORTEST_GAP_MS = Number(process.env['STALL_MS'] ?? '8');

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const at = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|dist)\//, '').replace('file://', '')}:${lineNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${at}`;
}

/** Prints, for each gap, its CPU share and the heaviest stacks sampled inside it; then what is on the stack in gaps. */
export function explainGaps(profile: CpuProfile, gaps: readonly LoopGap[], shortestMs: number): void {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stackOf = (id: number): string[] => {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node !== undefined && node.callFrame.functionName !== '(root)') frames.push(frameName(node));
    }
    return frames; // leaf first
  };
  const times: number[] = [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  for (const delta of deltas) times.push((t += delta));
  const samples = profile.samples ?? [];
  const shown = gaps.filter((gap) => (gap.endUs - gap.startUs) / 1000 >= shortestMs);
  const onStackInGaps = new Map<string, number>();
  let busyGapSamples = 0;
  process.stdout.write(`\n${gaps.length} gaps of 5 ms or more in the paced round, ${shown.length} of ${shortestMs} ms or more:\n`);
  for (const gap of shown) {
    const stacks = new Map<string, number>();
    let count = 0;
    let idle = 0;
    for (let i = 0; i < samples.length; i++) {
      const at = times[i] ?? 0;
      if (at < gap.startUs || at > gap.endUs) continue;
      const id = samples[i] ?? -1;
      count++;
      if (byId.get(id)?.callFrame.functionName === '(idle)') {
        idle++;
        continue;
      }
      const stack = stackOf(id);
      for (const frame of new Set(stack)) onStackInGaps.set(frame, (onStackInGaps.get(frame) ?? 0) + 1);
      busyGapSamples++;
      const key = stack.slice(0, 9).reverse().join(' > ');
      stacks.set(key, (stacks.get(key) ?? 0) + 1);
    }
    const wallMs = (gap.endUs - gap.startUs) / 1000;
    process.stdout.write(`\n- ${wallMs.toFixed(1)} ms gap, process CPU ${(gap.cpuUs / 1000).toFixed(1)} ms (${((gap.cpuUs / 1000 / wallMs) * 100).toFixed(0)}%), ${count} samples (${idle} idle):\n`);
    for (const [stack, n] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 6)) process.stdout.write(`    ${String(n).padStart(4)}  ${stack}\n`);
  }
  process.stdout.write(`\nOn the stack in the gaps (share of their busy samples):\n`);
  for (const [frame, n] of [...onStackInGaps].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    process.stdout.write(`  ${((n / (busyGapSamples || 1)) * 100).toFixed(1).padStart(5)}%  ${frame}\n`);
  }
}

/** Count and percentiles of sorted durations, ms. */
function spread(sorted: readonly number[]): string {
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2);
  return `${sorted.length} calls, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms, over 10 ms ${sorted.filter((ms) => ms > 10).length}`;
}

/** CPU (user + system) per thread of a process, by thread id, from /proc: which of its threads held the core. */
function threadCpuMs(pid: number): Map<string, { name: string; ms: number }> {
  const ticksPerMs = 100 / 1000; // USER_HZ
  const out = new Map<string, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, ms: (Number(fields[11]) + Number(fields[12])) / ticksPerMs });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? '1950');
  const seconds = Number(process.argv[3] ?? '6');
  const journalMode = (process.argv[4] ?? 'fsync') as JournalMode;
  const isLogMode = process.argv[5] === 'log';
  const isProfiled = process.env['STALL_NOPROF'] !== '1';
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-stalls-'));
  const profDir = join(tmpRoot, 'prof');
  const secret = 'bench-github-secret';
  const payload = buildSignedPush(secret, 7 * 1024);
  const pin = os.cpus().length >= 2 ? { server: '1', load: '0' } : undefined;
  process.env['GENHOOK_BENCH_GAPS'] = '1';
  const { child: sl1, port: sl1Port } = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0'], pin?.load);
  try {
    const gh = await startGenhook({
      name: 'genhook-stalls', tmpRoot, webhooksFile: repoWebhooksFile(), cpus: pin?.server,
      ...(process.env['STALL_CLI'] === undefined ? {} : { cliPath: process.env['STALL_CLI'] }),
      ...(isProfiled ? { cpuProfDir: profDir, nodeArgs: [`--cpu-prof-interval=${process.env['STALL_INTERVAL_US'] ?? '250'}`] } : {}),
      config: { secret, ...(isLogMode ? {} : { sl1Url: `http://127.0.0.1:${sl1Port}/api/alert` }), queueMaxSize: 200_000, journalMode, dedup: 'id' },
    });
    const prefillSec = Number(process.env['STALL_PREFILL'] ?? '0');
    if (prefillSec > 0) await runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec: prefillSec, ...(pin ? { cpus: pin.load } : {}) });
    await gh.waitDrained(60_000);
    await runPaced({ port: gh.port, payload, rate, durationSec: 2 });
    await gh.waitDrained(20_000);
    await gh.child.ask<StallReport>({ type: 'stalls' }, 'stalls');
    await gh.child.ask<{ gaps: LoopGap[] }>({ type: 'gaps' }, 'gaps');
    await gh.child.ask<SyncReport>({ type: 'syncs' }, 'syncs');
    const threadsBefore = threadCpuMs(gh.child.pid);
    const result = await runPaced({ port: gh.port, payload, rate, durationSec: seconds });
    const threadsAfter = threadCpuMs(gh.child.pid);
    const stalls = await gh.child.ask<StallReport>({ type: 'stalls' }, 'stalls');
    const { gaps } = await gh.child.ask<{ gaps: LoopGap[] }>({ type: 'gaps' }, 'gaps');
    const { durationsMs: syncs, writesMs: writes } = await gh.child.ask<SyncReport>({ type: 'syncs' }, 'syncs');
    process.stdout.write(`journal fdatasync (call to resumed): ${spread(syncs)}; file writes: ${spread(writes)}\n`);
    process.stdout.write(`paced ${rate}/s for ${seconds} s: p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms; event loop delay p99 ${stalls.delayP99Ms.toFixed(1)} ms, max ${stalls.delayMaxMs.toFixed(1)} ms; GC ${stalls.gcCount} pauses, longest ${stalls.gcMaxMs.toFixed(1)} ms, long ones by kind ${JSON.stringify(stalls.gcLongByKind)}\n`);
    const byName = new Map<string, number>();
    for (const [tid, { name, ms }] of threadsAfter) byName.set(tid === String(gh.child.pid) ? 'main' : name, (byName.get(name) ?? 0) + ms - (threadsBefore.get(tid)?.ms ?? 0));
    process.stdout.write(`CPU by thread during the paced round (ms): ${[...byName].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}\n`);
    await gh.waitDrained(20_000);
    await gh.child.stop(10_000);
    if (!isProfiled) return;
    const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}`);
    const text = readFileSync(join(profDir, file), 'utf8');
    const kept = join(os.tmpdir(), 'genhook-stalls-last.cpuprofile');
    writeFileSync(kept, text);
    writeFileSync(`${kept}.gaps.json`, JSON.stringify(gaps));
    process.stdout.write(`profile kept as ${kept}, gaps as ${kept}.gaps.json\n`);
    explainGaps(JSON.parse(text) as CpuProfile, gaps, SHORTEST_GAP_MS);
  } finally {
    await sl1.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, 'stall-trace', main);
