/**
 * `node dist/bench/ack-trace.js [rate] [seconds] [rounds] [journal_mode]`: where the acknowledgement time of `npm run bench`'s paced
 * round goes (evenly paced, journal fsync, delivering to the fake SL1, pinned as the bench is). Each request is
 * timed at every hop on the machine's shared monotonic clock: when it was due, when undici wrote its headers (the
 * generator's own lateness), when GenHook's node:http emitted it and handed the answer to the kernel (the bench
 * preload's ack probe), when undici saw the answer's headers, and when the generator took the answer. The slowest
 * 1% are split into those hops, so a tail in GenHook's handling tells apart from one in the kernel or the generator.
 * Rounds alternate with the bare forwarder (client-side hops only) under the same load.
 * ACK_PREFILL=<s>: saturate with wrk that long first (the bench's end-to-end rounds come before its paced rounds).
 * ACK_CLI=<path to another build's dist/src/cli.js>: trace that build instead of this one.
 * ACK_NODE_ARGS='--flag …': node flags for the traced GenHook.
 */
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AckReport, FileOp } from './ack-probe.js';
import { readCpuMs, runAsScript, startReadyChild } from './children.js';
import { repoWebhooksFile, type JournalMode } from './genhook-config.js';
import { startGenhook } from './genhook-child.js';
import { runPaced } from './paced-load.js';
import { buildSignedPush } from './payloads.js';
import { runWrk } from './wrk.js';

/** One request's hops, monotonic ms; the server's are absent for the bare forwarder. */
interface Timeline {
  due: number;
  sent?: number;
  serverStart?: number;
  serverFinish?: number;
  headers?: number;
  answered: number;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
/** performance.now() of this process → the shared monotonic clock. */
const clockOffset = monotonicMs() - performance.now();

/** X-GitHub-Delivery of an undici request (its headers are a flat [name, value, …] array). */
function deliveryOf(request: { headers?: unknown }): string | undefined {
  const headers = request.headers;
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'x-github-delivery') return String(headers[i + 1]);
  return undefined;
}

/** The generator's view: undici's header write and answer-headers times, by delivery id. */
function watchUndici(): { sent: Map<string, number>; headers: Map<string, number> } {
  const sent = new Map<string, number>();
  const headers = new Map<string, number>();
  subscribe('undici:client:sendHeaders', (message) => {
    const id = deliveryOf((message as { request: { headers?: unknown } }).request);
    if (id !== undefined) sent.set(id, monotonicMs());
  });
  subscribe('undici:request:headers', (message) => {
    const id = deliveryOf((message as { request: { headers?: unknown } }).request);
    if (id !== undefined) headers.set(id, monotonicMs());
  });
  return { sent, headers };
}

const HOPS = [
  ['due → written by undici', (t: Timeline) => (t.sent === undefined ? undefined : t.sent - t.due)],
  ['written → GenHook request event', (t: Timeline) => (t.sent === undefined || t.serverStart === undefined ? undefined : t.serverStart - t.sent)],
  ['request event → answer finished', (t: Timeline) => (t.serverStart === undefined || t.serverFinish === undefined ? undefined : t.serverFinish - t.serverStart)],
  ['finished → undici answer headers', (t: Timeline) => (t.serverFinish === undefined || t.headers === undefined ? undefined : t.headers - t.serverFinish)],
  ['written → undici answer headers', (t: Timeline) => (t.sent === undefined || t.headers === undefined ? undefined : t.headers - t.sent)],
  ['answer headers → taken', (t: Timeline) => (t.headers === undefined ? undefined : t.answered - t.headers)],
] as const;

/** Busy time (all but idle and iowait) of each CPU so far, ms, from /proc/stat. */
function cpuBusyMs(): number[] {
  const ticksPerMs = 100 / 1000; // USER_HZ
  return readFileSync('/proc/stat', 'utf8').split('\n').filter((line) => /^cpu\d/.test(line)).map((line) => {
    const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) / ticksPerMs;
  });
}

/**
 * What the round's CPUs did besides the bench's own processes: another helper's build or test on GenHook's core
 * shows up here, and a tail it caused is not GenHook's.
 */
function describeMachine(busyBefore: readonly number[], busyAfter: readonly number[], ownMs: number, wallMs: number): string {
  const busy = busyAfter.map((ms, cpu) => ms - (busyBefore[cpu] ?? 0));
  const total = busy.reduce((sum, ms) => sum + ms, 0);
  return `CPUs busy ${busy.map((ms, cpu) => `cpu${cpu} ${((ms / wallMs) * 100).toFixed(0)}%`).join(', ')}; the bench's processes ${ownMs.toFixed(0)} ms, everything else ${(total - ownMs).toFixed(0)} ms of ${wallMs.toFixed(0)} ms`;
}

/** CPU (user + system) of each thread of a process so far, ms, by thread name (the main thread as 'main'). */
function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const at = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

/** Each kind of file operation's count and spread over the round, and those that overlapped each slow stretch. */
function explainFileOps(slow: readonly Timeline[], fileOps: readonly FileOp[]): void {
  if (fileOps.length === 0) return;
  const byName = new Map<string, number[]>();
  for (const op of fileOps) {
    const list = byName.get(op.name) ?? [];
    list.push(op.endMs - op.startMs);
    byName.set(op.name, list);
  }
  process.stdout.write(`  file operations and GC pauses in the round (count, p50 / p99 / max ms): ${[...byName].map(([name, list]) => {
    list.sort((a, b) => a - b);
    return `${name} ${list.length} ${at(list, 0.5).toFixed(2)}/${at(list, 0.99).toFixed(2)}/${at(list, 1).toFixed(1)}`;
  }).join(', ')}\n`);
  // Slow requests whose server time overlaps make one stretch; shown with the file operations of 2 ms or more in it.
  const stretches: { from: number; to: number; requests: number }[] = [];
  for (const t of [...slow].filter((t) => t.serverStart !== undefined).sort((a, b) => (a.serverStart ?? 0) - (b.serverStart ?? 0))) {
    const from = t.serverStart ?? 0;
    const to = t.serverFinish ?? from;
    const last = stretches.at(-1);
    if (last !== undefined && from <= last.to) {
      last.to = Math.max(last.to, to);
      last.requests++;
    } else stretches.push({ from, to, requests: 1 });
  }
  for (const stretch of stretches.slice(0, 8)) {
    const inside = fileOps.filter((op) => op.endMs > stretch.from && op.startMs < stretch.to && op.endMs - op.startMs >= 2);
    const described = inside.slice(0, 12).map((op) => `${op.name} ${(op.startMs - stretch.from).toFixed(1)}+${(op.endMs - op.startMs).toFixed(1)}`);
    process.stdout.write(`  slow stretch of ${(stretch.to - stretch.from).toFixed(1)} ms (${stretch.requests} of the slowest 1%): ${described.join(', ') || 'no file operation or GC pause of 2 ms or more'}${inside.length > 12 ? `, … ${inside.length - 12} more` : ''}\n`);
  }
}

/** Prints each hop's p50/p99 over all requests, and its mean and max over the slowest 1%. */
function explain(label: string, timelines: readonly Timeline[], deliveriesSentMs: readonly number[], fileOps: readonly FileOp[] = []): void {
  const total = (t: Timeline) => t.answered - t.due;
  const sorted = [...timelines].sort((a, b) => total(a) - total(b));
  const slow = sorted.slice(Math.floor(sorted.length * 0.99));
  const totals = sorted.map(total);
  process.stdout.write(`${label}: ${sorted.length} answers, p50 ${at(totals, 0.5).toFixed(2)} ms, p99 ${at(totals, 0.99).toFixed(2)} ms, max ${at(totals, 1).toFixed(1)} ms\n`);
  process.stdout.write(`  ${'hop'.padEnd(34)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}   slowest 1%: ${'mean'.padStart(6)} ${'max'.padStart(6)}\n`);
  for (const [name, hop] of HOPS) {
    const all = sorted.map(hop).filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b);
    if (all.length === 0) continue;
    const inSlow = slow.map(hop).filter((ms): ms is number => ms !== undefined);
    const mean = inSlow.reduce((sum, ms) => sum + ms, 0) / (inSlow.length || 1);
    process.stdout.write(`  ${name.padEnd(34)} ${at(all, 0.5).toFixed(2).padStart(7)} ${at(all, 0.99).toFixed(2).padStart(7)}               ${mean.toFixed(2).padStart(6)} ${Math.max(...inSlow).toFixed(1).padStart(6)}\n`);
  }
  explainFileOps(slow, fileOps);
  if (deliveriesSentMs.length === 0) return;
  // Deliveries to SL1 sent in the 5 ms before each slow request was due: are the slow ones behind a burst?
  const sentSorted = [...deliveriesSentMs].sort((a, b) => a - b);
  const countIn = (from: number, to: number) => sentSorted.filter((ms) => ms >= from && ms < to).length;
  const burst = slow.map((t) => countIn(t.due - 5, t.due + total(t)));
  const typical = sorted.filter((_, i) => i % 97 === 0).map((t) => countIn(t.due - 5, t.due + total(t)));
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / (xs.length || 1);
  process.stdout.write(`  deliveries sent to SL1 from 5 ms before due until answered: slowest 1% mean ${mean(burst).toFixed(1)}, others ${mean(typical).toFixed(1)} (${deliveriesSentMs.length} in the round)\n`);
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? '658');
  const seconds = Number(process.argv[3] ?? '4');
  const rounds = Number(process.argv[4] ?? '2');
  const journalMode = (process.argv[5] ?? 'fsync') as JournalMode;
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-acks-'));
  const secret = 'bench-github-secret';
  const payload = buildSignedPush(secret, 7 * 1024);
  const pin = os.cpus().length >= 2 ? { server: '1', load: '0' } : undefined;
  process.env['GENHOOK_BENCH_ACKS'] = '1';
  const undici = watchUndici();
  const { child: sl1, port: sl1Port } = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0'], pin?.load);
  const sl1Url = `http://127.0.0.1:${sl1Port}/api/alert`;
  const { child: forwarder, port: forwarderPort } = await startReadyChild('bare-forwarder', fileURLToPath(new URL('./bare-forwarder.js', import.meta.url)), ['0', secret, sl1Url], pin?.server);
  try {
    const gh = await startGenhook({
      name: 'genhook-acks', tmpRoot, webhooksFile: repoWebhooksFile(), cpus: pin?.server,
      ...(process.env['ACK_CLI'] === undefined ? {} : { cliPath: process.env['ACK_CLI'] }),
      nodeArgs: (process.env['ACK_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== ''),
      config: { secret, sl1Url, queueMaxSize: 200_000, journalMode, dedup: 'id' },
    });
    const prefillSec = Number(process.env['ACK_PREFILL'] ?? '0');
    if (prefillSec > 0) await runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec: prefillSec, ...(pin ? { cpus: pin.load } : {}) });
    await gh.waitDrained(60_000);
    await runPaced({ port: gh.port, payload, rate, durationSec: 1 });
    await runPaced({ port: forwarderPort, payload, rate, durationSec: 1 });
    await gh.waitDrained(20_000);
    for (let round = 1; round <= rounds; round++) {
      for (const target of ['GenHook', 'bare forwarder'] as const) {
        const port = target === 'GenHook' ? gh.port : forwarderPort;
        if (target === 'GenHook') await gh.child.ask<AckReport>({ type: 'acks' }, 'acks');
        undici.sent.clear();
        undici.headers.clear();
        const answered: { delivery: string; due: number; answered: number }[] = [];
        const ours = [process.pid, sl1.pid, forwarder.pid, gh.child.pid];
        const ownBefore = ours.map(readCpuMs);
        const busyBefore = cpuBusyMs();
        const threadsBefore = threadCpuMs(gh.child.pid);
        const wallStart = performance.now();
        await runPaced({ port, payload, rate, durationSec: seconds, onAnswer: (delivery, dueAt, answeredAt) => answered.push({ delivery, due: dueAt + clockOffset, answered: answeredAt + clockOffset }) });
        const busyAfter = cpuBusyMs();
        const threads = [...threadCpuMs(gh.child.pid)].map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
        const ownMs = ours.map(readCpuMs).reduce((sum, ms, i) => sum + ms - (ownBefore[i] ?? 0), 0);
        const machine = describeMachine(busyBefore, busyAfter, ownMs, performance.now() - wallStart);
        const server = target === 'GenHook' ? await gh.child.ask<AckReport>({ type: 'acks' }, 'acks', 30_000) : { acks: [], deliveriesSentMs: [], fileOps: [] };
        const byDelivery = new Map(server.acks.map((ack) => [ack.delivery, ack]));
        const timelines = answered.map(({ delivery, due, answered: answeredAt }): Timeline => {
          const ack = byDelivery.get(delivery);
          const sent = undici.sent.get(delivery);
          const headers = undici.headers.get(delivery);
          return {
            due, answered: answeredAt,
            ...(sent === undefined ? {} : { sent }),
            ...(headers === undefined ? {} : { headers }),
            ...(ack === undefined ? {} : { serverStart: ack.startMs, serverFinish: ack.finishMs }),
          };
        });
        explain(`round ${round}, ${target}, paced ${rate}/s for ${seconds} s`, timelines, server.deliveriesSentMs, server.fileOps);
        process.stdout.write(`  ${machine}\n`);
        if (target === 'GenHook') process.stdout.write(`  GenHook CPU by thread (ms): ${threads.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}\n`);
        if (target === 'GenHook') await gh.waitDrained(20_000);
      }
    }
    await gh.child.stop(10_000);
  } finally {
    await forwarder.stop();
    await sl1.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, 'ack-trace', main);
