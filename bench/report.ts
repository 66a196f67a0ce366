/**
 * Figures → checked targets → a console table and BENCHMARKS.md. Pure apart from nothing: the runner writes.
 */
import type { LookupCost } from './lookup-micro.js';
import { pairedRatio, type EndToEnd, type Summary, type WaitingMemory } from './phases.js';
import type { LoadResult } from './load.js';

export interface Machine {
  readonly cores: number;
  readonly model: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
  readonly date: string;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  readonly loadAverage: readonly [number, number];
}

export interface Figures {
  readonly machine: Machine;
  readonly command: string;
  /** GenHook's entry point as run, relative to the repo. */
  readonly genhookCli: string;
  readonly totalSec: number;
  readonly notes: readonly string[];
  readonly payloadBytes: number;
  readonly ingest: { readonly genhook: Summary; readonly bare: Summary; readonly journalOff: Summary; readonly logMode: Summary };
  readonly halfRate: { readonly rate: number; readonly genhook: Summary; readonly bare: Summary; readonly genhookBursts: LoadResult };
  readonly endToEnd: EndToEnd;
  readonly memory: readonly WaitingMemory[];
  readonly payloadScaling: readonly { readonly bytes: number; readonly genhook: Summary; readonly bare: Summary }[];
  readonly sourceScaling: readonly { readonly lines: number; readonly ruleLines: number; readonly genhook: Summary }[];
  readonly lookup: readonly LookupCost[];
}

export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  /** undefined: no target for this row. */
  readonly isMet: boolean | undefined;
}

const KIB = 1024;
const MIB = 1024 * 1024;
const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const mib = (x: number) => `${n2(x / MIB)} MiB`;
const kib = (x: number) => `${(x / KIB).toFixed(1)} KiB`;

/**
 * "Beyond its payload-independent size": fit bytes-per-alert = fixed + slope × payload over the payload sizes
 * measured; what depends on the payload, at the 7 KB payload, is slope × 7 KB.
 */
export function payloadDependentBytes(memory: readonly WaitingMemory[], payloadBytes: number, pick: (m: WaitingMemory) => number): number {
  const smallest = memory.reduce<WaitingMemory | undefined>((a, m) => (a === undefined || m.payloadBytes < a.payloadBytes ? m : a), undefined);
  const largest = memory.reduce<WaitingMemory | undefined>((a, m) => (a === undefined || m.payloadBytes > a.payloadBytes ? m : a), undefined);
  if (smallest === undefined || largest === undefined || largest.payloadBytes === smallest.payloadBytes) return Number.NaN;
  const slope = (pick(largest) - pick(smallest)) / (largest.payloadBytes - smallest.payloadBytes);
  return Math.max(0, slope * payloadBytes);
}

export function buildRows(f: Figures): Row[] {
  const { genhook, bare, journalOff } = f.ingest;
  const ingestRatio = pairedRatio(genhook, bare);
  const e2eRatio = f.endToEnd.deliveredPerSec / bare.rps;
  const journalCost = 1 - pairedRatio(genhook, journalOff);
  const main = f.memory.find((m) => m.payloadBytes === f.payloadBytes);
  const dependent = payloadDependentBytes(f.memory, f.payloadBytes, (m) => m.retainedBytesPerAlert);
  const dependentPeak = payloadDependentBytes(f.memory, f.payloadBytes, (m) => m.peakBytesPerAlert);
  const fewest = f.lookup[0];
  const most = f.lookup.at(-1);
  const lookupRatio = most !== undefined && fewest !== undefined ? most.nsPerLookup / fewest.nsPerLookup : Number.NaN;
  const fewestLines = f.sourceScaling[0]?.genhook;
  const mostLines = f.sourceScaling.at(-1)?.genhook;
  const linesRatio = fewestLines && mostLines ? pairedRatio(mostLines, fewestLines) : Number.NaN;
  const rows: Row[] = [
    { figure: '1. Ingest, GenHook (2xx/s, median)', value: n0(genhook.rps), target: '', isMet: undefined },
    { figure: '1. Ingest, bare node:http (2xx/s, median)', value: n0(bare.rps), target: '', isMet: undefined },
    { figure: '1. Ingest ratio GenHook / bare (median of per-round ratios)', value: n2(ingestRatio), target: '>= 0.80', isMet: ingestRatio >= 0.8 },
    { figure: '1. Ack latency at saturation, GenHook p50 / p99', value: `${n2(genhook.p50Ms)} / ${n2(genhook.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: '1. Ack latency at saturation, bare p50 / p99', value: `${n2(bare.p50Ms)} / ${n2(bare.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: '1. Server CPU per webhook (µs): GenHook / log mode / bare', value: `${n0(genhook.cpuUsPerRequest)} / ${n0(f.ingest.logMode.cpuUsPerRequest)} / ${n0(bare.cpuUsPerRequest)}`, target: '', isMet: undefined },
    { figure: '1. Ingest, GenHook in log mode (no SL1 delivery; 2xx/s)', value: `${n0(f.ingest.logMode.rps)} (${n2(pairedRatio(f.ingest.logMode, bare))}× bare)`, target: '', isMet: undefined },
    { figure: `2. p99 ack at half saturation (${n0(f.halfRate.rate)}/s, paced, median of rounds), GenHook`, value: `${n2(f.halfRate.genhook.p99Ms)} ms`, target: '< 5 ms', isMet: f.halfRate.genhook.p99Ms < 5 },
    { figure: '2. p50 ack at half saturation (paced), GenHook', value: `${n2(f.halfRate.genhook.p50Ms)} ms`, target: '', isMet: undefined },
    { figure: '2. p99 ack at the same rate (paced), bare', value: `${n2(f.halfRate.bare.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: '2. p99 ack at the same rate, autocannon overallRate (bursts), GenHook', value: `${n2(f.halfRate.genhookBursts.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: `3. End-to-end delivered to SL1 (alerts/s over ${n0(f.endToEnd.windowSec)} s, fsync journal)`, value: n0(f.endToEnd.deliveredPerSec), target: '', isMet: undefined },
    { figure: '3. End-to-end / bare ingest', value: n2(e2eRatio), target: '>= 0.50', isMet: e2eRatio >= 0.5 },
    { figure: '4. Ingest with journal off (2xx/s, median)', value: n0(journalOff.rps), target: '', isMet: undefined },
    { figure: '4. Server CPU per webhook (µs): journal fsync / off', value: `${n0(genhook.cpuUsPerRequest)} / ${n0(journalOff.cpuUsPerRequest)}`, target: '', isMet: undefined },
    { figure: '4. Ingest journal fsync / off', value: `${n2(1 - journalCost)} (cost ${(journalCost * 100).toFixed(1)}%)`, target: 'cost <= 15%', isMet: journalCost <= 0.15 },
    { figure: `5. Peak RSS with ${n0(main?.waiting ?? Number.NaN)} alerts waiting`, value: main === undefined ? 'n/a' : mib(main.peakRss), target: '< 200 MiB', isMet: main === undefined ? false : main.peakRss < 200 * MIB },
    { figure: '5. Bytes per waiting alert, (peak RSS - idle RSS) / waiting', value: main === undefined ? 'n/a' : n0(main.peakBytesPerAlert), target: '', isMet: undefined },
    { figure: '5. Bytes per waiting alert retained (V8 heap after GC)', value: main === undefined ? 'n/a' : n0(main.retainedBytesPerAlert), target: '', isMet: undefined },
    { figure: '5. Payload-dependent bytes per waiting alert (heap, at 7 KB)', value: n0(dependent), target: '< 2048', isMet: dependent < 2048 },
    { figure: '5. Payload-dependent bytes per waiting alert (peak RSS, at 7 KB)', value: n0(dependentPeak), target: '', isMet: undefined },
  ];
  for (const s of f.payloadScaling) {
    rows.push({ figure: `6. Payload ${kib(s.bytes)}: GenHook / bare (2xx/s)`, value: `${n0(s.genhook.rps)} / ${n0(s.bare.rps)} = ${n2(pairedRatio(s.genhook, s.bare))}`, target: '', isMet: undefined });
  }
  for (const m of f.memory) {
    rows.push({ figure: `6. Payload ${kib(m.payloadBytes)}: peak RSS, bytes/alert (RSS, heap)`, value: `${mib(m.peakRss)}, ${n0(m.peakBytesPerAlert)}, ${n0(m.retainedBytesPerAlert)}`, target: '', isMet: undefined });
  }
  for (const s of f.sourceScaling) {
    rows.push({ figure: `6. ${s.lines} synthetic lines (+ GitHub's, ${s.ruleLines} in all): GenHook 2xx/s, CPU µs/webhook`, value: `${n0(s.genhook.rps)}, ${n0(s.genhook.cpuUsPerRequest)}`, target: '', isMet: undefined });
  }
  rows.push({ figure: `6. Ingest with ${f.sourceScaling.at(-1)?.lines ?? '?'} lines / with ${f.sourceScaling[0]?.lines ?? '?'}`, value: n2(linesRatio), target: '>= 0.90 (same within noise)', isMet: linesRatio >= 0.9 });
  for (const l of f.lookup) rows.push({ figure: `6. Identify + line lookup, ${l.lines} synthetic lines (ns/call)`, value: n0(l.nsPerLookup), target: '', isMet: undefined });
  rows.push({ figure: '6. Lookup cost 1000 lines / 10 lines', value: n2(lookupRatio), target: '<= 1.20 (same)', isMet: lookupRatio <= 1.2 });
  return rows;
}

function verdict(row: Row): string {
  return row.isMet === undefined ? '' : row.isMet ? 'met' : 'NOT MET';
}

export function formatTable(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.figure.length));
  const valueWidth = Math.max(...rows.map((r) => r.value.length));
  return rows.map((r) => `${r.figure.padEnd(width)}  ${r.value.padStart(valueWidth)}  ${r.target.padEnd(28)} ${verdict(r)}`).join('\n');
}

export function formatMarkdown(f: Figures, rows: readonly Row[]): string {
  const m = f.machine;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rounds = (s: Summary) => s.rounds.map((r) => n0(r.acceptedPerSec)).join(', ');
  return [
    '# GenHook benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below comes from the run described here.',
    '',
    `- Command: \`${f.command}\``,
    `- Machine: ${m.cores} cores (${m.model}), ${m.memoryGiB.toFixed(0)} GiB RAM, ${m.os}, Node ${m.node}`,
    `- Date: ${m.date}; whole run ${n0(f.totalSec)} s; 1-minute load average ${n2(m.loadAverage[0])} at the start, ${n2(m.loadAverage[1])} at the end (other work on the machine)`,
    `- Load: autocannon 8 in the runner process (sharing the machine), 64 connections, pipelining 1, a signed ${n0(f.payloadBytes)}-byte GitHub push`,
    '  (@octokit/webhooks-examples) with a unique X-GitHub-Delivery per request. GenHook, the bare server and the fake SL1 each run in',
    '  their own child process on 127.0.0.1. Rounds alternate between servers, order rotating; figures are medians over rounds.',
    `- GenHook: \`node ${f.genhookCli} serve --settings <tmp>/settings.ini --webhooks <webhooks.ini>\` with the repo's webhooks.ini and default settings except: 127.0.0.1, log_level = warn,`,
    '  sl1_api_url = the fake SL1 (answers 201 at once), github_secret set, shutdown_grace_period = 1s; journal_mode = fsync (the default) unless stated;',
    '  queue_max_size = 200000 for load rounds (a burst is absorbed, not refused), 20000 and sl1_timeout = 120s for the memory runs.',
    '',
    '| Figure | Value | Target | Verdict |',
    '|---|---:|---|---|',
    ...rows.map((r) => `| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.target)} | ${verdict(r)} |`),
    '',
    '## Rounds',
    '',
    `- GenHook (fsync) 2xx/s per round: ${rounds(f.ingest.genhook)}`,
    `- bare 2xx/s per round: ${rounds(f.ingest.bare)}`,
    `- GenHook (journal off) 2xx/s per round: ${rounds(f.ingest.journalOff)}`,
    `- GenHook (log mode) 2xx/s per round: ${rounds(f.ingest.logMode)}`,
    `- Half saturation, paced, p99 per round: GenHook ${f.halfRate.genhook.rounds.map((r) => n2(r.p99Ms)).join(', ')} ms; bare ${f.halfRate.bare.rounds.map((r) => n2(r.p99Ms)).join(', ')} ms`,
    `- End-to-end: ${n0(f.endToEnd.delivered)} alerts delivered in ${n2(f.endToEnd.windowSec)} s while the load got ${n0(f.endToEnd.ingest.accepted)} 2xx and ${n0(f.endToEnd.ingest.non2xx)} other answers`,
    ...f.memory.map((w) => `- Waiting memory, ${n0(w.payloadBytes)}-byte payload: ${n0(w.waiting)} waiting (${w.refused} refused), idle RSS ${mib(w.idleRss)}, peak RSS ${mib(w.peakRss)}${w.isPeakReset ? '' : ' (VmHWM could not be reset: peak since start)'}, heap+external ${mib(w.idleHeap)} → ${mib(w.waitingHeap)}`),
    '',
    '## How the figures are defined',
    '',
    '- Ingest: 2xx answers per second at saturation (64 connections, as fast as answered). Ack latency: time from request sent to answer, 2xx only, per response.',
    '- Ratios (GenHook / bare, journal fsync / off, 1000 / 10 lines, payload rows): the median of the ratios of rounds of the same cycle, which ran seconds apart.',
    '- Server CPU per webhook: user + system CPU of the server process (/proc/<pid>/stat) from the start of a round until its backlog was delivered, over the 2xx count; median over rounds. Less sensitive to other load on the machine than throughput.',
    '- Ingest, log mode: GenHook without sl1_api_url, so nothing is delivered: the receiving side alone (journal fsync still on).',
    '- Half saturation: half of GenHook\'s median saturation throughput, sent open-loop and evenly paced (undici Pool, 64 connections; latency counted from when',
    '  each request was due). autocannon\'s `overallRate` sends each connection\'s per-second quota back to back at the top of every second, so its',
    '  latencies at that rate are those of a saturating burst; that figure is shown too. The bare server is driven at the same rate for reference.',
    '- End-to-end: alerts answered 201 by the fake SL1 per second, counted from 1 s after the load started to its end.',
    '- Waiting memory: GenHook warmed up (2,000 webhooks, delivered), full GC, idle RSS read; SL1 paused (it holds requests unanswered);',
    '  VmHWM reset (`/proc/<pid>/clear_refs`); the webhooks posted; VmHWM read from `/proc/<pid>/status`. The heap figure is V8 heap + external after a full GC (via a preload, `--expose-gc`).',
    '- Payload-dependent bytes per waiting alert: bytes/alert = fixed + slope × payload, fitted between the smallest and largest payload; slope × the 7 KB payload.',
    '- Source scaling: N synthetic lines (`srcN.event_M: FIELDS::TEMPLATE`) ahead of the repo\'s GitHub lines; the lookup micro-benchmark times identifySource + eventOf + RuleSet.match in-process.',
    '',
    '## Finding what stands in the way',
    '',
    '- `node dist/bench/profile.js [seconds] [fsync|write|off] [sl1|log]`: GenHook under saturation with `--cpu-prof`; prints self time by function, file and stage.',
    '- `node dist/bench/heap-snapshot.js [count]`: heap snapshots before and with `count` alerts waiting; prints what each waiting alert retains, by object kind.',
    ...(f.notes.length === 0 ? [] : ['', '## Notes', '', ...f.notes.map((note) => `- ${note}`)]),
    '',
  ].join('\n');
}
