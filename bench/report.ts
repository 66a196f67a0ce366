/**
 * Figures → checked targets → a console table and BENCHMARKS.md. Pure: the runner writes.
 */
import type { DrainedSummary, ProfileAreas } from './drain-phases.js';
import type { LookupCost } from './lookup-micro.js';
import { pairedRatio, type Summary, type WaitingMemory } from './phases.js';
import { pairedDrainedRatio } from './drain-phases.js';
import type { RedisModeFigures } from './redis-mode.js';

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
  readonly isPinned: boolean;
  readonly totalSec: number;
  readonly notes: readonly string[];
  readonly payloadBytes: number;
  readonly receive: { readonly logMode: Summary; readonly bare: Summary; readonly journalOff: Summary };
  readonly endToEnd: { readonly genhook: DrainedSummary; readonly forwarder: DrainedSummary };
  readonly halfRate: { readonly rate: number; readonly genhook: Summary; readonly forwarder: Summary };
  readonly allCores: { readonly workers: Summary; readonly peer: Summary; readonly redisCpuUs: number };
  readonly profiles: readonly ProfileAreas[];
  /** The full run only. */
  readonly memory?: readonly WaitingMemory[];
  readonly payloadScaling?: readonly { readonly bytes: number; readonly genhook: Summary; readonly bare: Summary }[];
  readonly sourceScaling?: readonly { readonly lines: number; readonly ruleLines: number; readonly genhook: Summary }[];
  readonly lookup?: readonly LookupCost[];
  /** Section 9, redis_url (bench/redis-mode.ts). */
  readonly redisMode?: RedisModeFigures;
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

/** Areas of a profile that are not work per webhook: waiting, and loading modules at start. */
const NOT_PER_WEBHOOK = new Set(['idle', 'startup (module loading)']);

/** Profile areas without idle time and start-up, each as a share of the busy time and as µs of the measured CPU per webhook. */
export function busyAreas(p: ProfileAreas): { name: string; share: number; us: number }[] {
  const busy = p.areas.filter((a) => !NOT_PER_WEBHOOK.has(a.name));
  const total = busy.reduce((sum, a) => sum + a.ms, 0) || 1;
  return busy.map((a) => ({ name: a.name, share: a.ms / total, us: (a.ms / total) * p.cpuUsPerWebhook }));
}

export function buildRows(f: Figures): Row[] {
  const { logMode, bare, journalOff } = f.receive;
  const pin = f.isPinned ? 'one core each' : 'NOT pinned (1 CPU)';
  const receiveRatio = pairedRatio(logMode, bare);
  const e2eRatio = pairedDrainedRatio(f.endToEnd.genhook, f.endToEnd.forwarder);
  const allCoresRatio = pairedRatio(f.allCores.workers, f.allCores.peer);
  const p99 = f.halfRate.genhook.p99Ms;
  const rows: Row[] = [
    { figure: `1. Receiving, ${pin}: GenHook log mode, journal fsync (2xx/s)`, value: n0(logMode.rps), target: '', isMet: undefined },
    { figure: `1. Receiving, ${pin}: bare node:http receiver (2xx/s)`, value: n0(bare.rps), target: '', isMet: undefined },
    { figure: '1. Receiving ratio GenHook log mode / bare receiver', value: n2(receiveRatio), target: '>= 0.70', isMet: receiveRatio >= 0.7 },
    { figure: '1. Ack latency at saturation p50 / p99: GenHook log mode; bare', value: `${n2(logMode.p50Ms)} / ${n2(logMode.p99Ms)} ms; ${n2(bare.p50Ms)} / ${n2(bare.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: '1. Receiving, GenHook log mode with journal off (2xx/s; × fsync)', value: `${n0(journalOff.rps)} (fsync = ${n2(pairedRatio(logMode, journalOff))}× off)`, target: '', isMet: undefined },
    { figure: `2. End to end, ${pin}: GenHook journal fsync (alerts/s reaching SL1, until drained)`, value: n0(f.endToEnd.genhook.deliveredPerSec), target: '', isMet: undefined },
    { figure: `2. End to end, ${pin}: bare forwarder (alerts/s reaching SL1, until drained)`, value: n0(f.endToEnd.forwarder.deliveredPerSec), target: '', isMet: undefined },
    { figure: '2. End-to-end ratio GenHook / bare forwarder', value: n2(e2eRatio), target: '>= 0.80', isMet: e2eRatio >= 0.8 },
    { figure: '3. All cores, unpinned: GenHook workers = auto + Redis (2xx/s)', value: n0(f.allCores.workers.rps), target: '', isMet: undefined },
    { figure: '3. All cores, unpinned: adnanh/webhook, payload-hmac-sha256, /bin/true (2xx/s)', value: n0(f.allCores.peer.rps), target: '', isMet: undefined },
    { figure: '3. All-cores ratio GenHook workers = auto / adnanh/webhook', value: n2(allCoresRatio), target: '>= 2', isMet: allCoresRatio >= 2 },
    { figure: `4. p99 ack at half saturation (${n0(f.halfRate.rate)}/s paced, journal fsync, delivering), GenHook`, value: `${n2(p99)} ms`, target: '< 5 ms', isMet: p99 < 5 },
    { figure: '4. p50 ack at half saturation, GenHook; p50 / p99 bare forwarder at the same rate', value: `${n2(f.halfRate.genhook.p50Ms)} ms; ${n2(f.halfRate.forwarder.p50Ms)} / ${n2(f.halfRate.forwarder.p99Ms)} ms`, target: '', isMet: undefined },
    { figure: '5. CPU µs per webhook, receiving: GenHook log mode / journal off / bare receiver', value: `${n0(logMode.cpuUsPerRequest)} / ${n0(journalOff.cpuUsPerRequest)} / ${n0(bare.cpuUsPerRequest)}`, target: '', isMet: undefined },
    { figure: '5. CPU µs per alert, end to end: GenHook fsync / bare forwarder', value: `${n0(f.endToEnd.genhook.cpuUsPerAlert)} / ${n0(f.endToEnd.forwarder.cpuUsPerAlert)}`, target: '', isMet: undefined },
    { figure: '5. CPU µs per webhook at half saturation, delivering: GenHook fsync / bare forwarder (server core busy)', value: `${n0(f.halfRate.genhook.cpuUsPerRequest)} / ${n0(f.halfRate.forwarder.cpuUsPerRequest)} (${n0((f.halfRate.genhook.cpuUsPerRequest * f.halfRate.rate) / 1e4)}% / ${n0((f.halfRate.forwarder.cpuUsPerRequest * f.halfRate.rate) / 1e4)}%)`, target: '', isMet: undefined },
    { figure: '5. CPU µs per webhook, all cores: GenHook workers (+ redis-server) / adnanh/webhook (+ /bin/true)', value: `${n0(f.allCores.workers.cpuUsPerRequest)} (+ ${n0(f.allCores.redisCpuUs)}) / ${n0(f.allCores.peer.cpuUsPerRequest)}`, target: '', isMet: undefined },
  ];
  const memory = f.memory ?? [];
  const main = memory.find((m) => m.payloadBytes === f.payloadBytes);
  if (main) {
    rows.push({ figure: `7. Peak RSS with ${n0(main.waiting)} alerts waiting`, value: mib(main.peakRss), target: '< 200 MiB', isMet: main.peakRss < 200 * MIB });
  }
  for (const s of f.payloadScaling ?? []) {
    rows.push({ figure: `6. Payload ${kib(s.bytes)}, receiving: GenHook log mode / bare (2xx/s), CPU µs`, value: `${n0(s.genhook.rps)} / ${n0(s.bare.rps)} = ${n2(pairedRatio(s.genhook, s.bare))}, ${n0(s.genhook.cpuUsPerRequest)} / ${n0(s.bare.cpuUsPerRequest)}`, target: '', isMet: undefined });
  }
  for (const m of memory) {
    rows.push({ figure: `7. Payload ${kib(m.payloadBytes)}: peak RSS, bytes/alert (RSS, heap)`, value: `${mib(m.peakRss)}, ${n0(m.peakBytesPerAlert)}, ${n0(m.retainedBytesPerAlert)}`, target: '', isMet: undefined });
  }
  const sources = f.sourceScaling ?? [];
  for (const s of sources) {
    rows.push({ figure: `8. ${s.lines} synthetic lines (${s.ruleLines} in all), log mode: 2xx/s, CPU µs/webhook`, value: `${n0(s.genhook.rps)}, ${n0(s.genhook.cpuUsPerRequest)}`, target: '', isMet: undefined });
  }
  const fewest = sources[0]?.genhook;
  const most = sources.at(-1)?.genhook;
  if (fewest && most) {
    const ratio = pairedRatio(most, fewest);
    rows.push({ figure: `8. Receiving with ${sources.at(-1)?.lines} lines / with ${sources[0]?.lines}`, value: n2(ratio), target: '>= 0.90 (same within noise)', isMet: ratio >= 0.9 });
  }
  const lookup = f.lookup ?? [];
  for (const l of lookup) rows.push({ figure: `8. Identify + line lookup, ${l.lines} synthetic lines (ns/call)`, value: n0(l.nsPerLookup), target: '', isMet: undefined });
  const [first, last] = [lookup[0], lookup.at(-1)];
  if (first && last) rows.push({ figure: '8. Lookup cost 1000 lines / 10 lines', value: n2(last.nsPerLookup / first.nsPerLookup), target: '<= 1.20 (same)', isMet: last.nsPerLookup / first.nsPerLookup <= 1.2 });
  if (f.redisMode) rows.push(...buildRedisRows(f.redisMode, f));
  return rows;
}

/** Section 9, Redis mode; compared with the journal figures of the same run when there are any. */
export function buildRedisRows(r: RedisModeFigures, f: Figures | undefined): Row[] {
  const pin = f === undefined || f.isPinned ? 'pinned with its redis-server' : 'unpinned';
  const vsJournal = (value: number, journal: number | undefined) => (journal === undefined ? '' : ` = ${n2(value / journal)} × journal`);
  const top = r.commands.byCommand.slice(0, 5).map((c) => `${c.command} ${n2(c.perAlert)}`).join(', ');
  return [
    { figure: `9. Redis mode, receiving, ${pin}: GenHook log mode + redis_url (2xx/s)`, value: `${n0(r.receive.rps)}${vsJournal(r.receive.rps, f?.receive.logMode.rps)}`, target: '', isMet: undefined },
    { figure: `9. Redis mode, end to end, ${pin} (alerts/s reaching SL1, until drained)`, value: `${n0(r.endToEnd.deliveredPerSec)}${vsJournal(r.endToEnd.deliveredPerSec, f?.endToEnd.genhook.deliveredPerSec)}`, target: '', isMet: undefined },
    { figure: '9. Redis mode, GenHook CPU µs per alert end to end / per webhook receiving (redis-server not counted)', value: `${n0(r.endToEnd.cpuUsPerAlert)} / ${n0(r.receive.cpuUsPerRequest)}`, target: '', isMet: undefined },
    { figure: `9. Redis commands per alert, end to end (INFO commandstats over ${n0(r.commands.alerts)} alerts)`, value: `${n2(r.commands.total)} (${top})`, target: '', isMet: undefined },
    { figure: '9. Redis mode, end to end, unpinned: workers = 2 / workers = 1 (alerts/s)', value: `${n0(r.workers.two.deliveredPerSec)} / ${n0(r.workers.one.deliveredPerSec)} = ${n2(pairedDrainedRatio(r.workers.two, r.workers.one))}`, target: '', isMet: undefined },
  ];
}

function verdict(row: Row): string {
  return row.isMet === undefined ? '' : row.isMet ? 'met' : 'NOT MET';
}

export function formatTable(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.figure.length));
  const valueWidth = Math.max(...rows.map((r) => r.value.length));
  return rows.map((r) => `${r.figure.padEnd(width)}  ${r.value.padStart(valueWidth)}  ${r.target.padEnd(28)} ${verdict(r)}`).join('\n');
}

function profileSection(p: ProfileAreas): string[] {
  return [
    `### ${p.label} (${n0(p.cpuUsPerWebhook)} µs of CPU per webhook, measured without the profiler)`,
    '',
    '| Area | Share of busy time | µs per webhook |',
    '|---|---:|---:|',
    ...busyAreas(p).map((a) => `| ${a.name} | ${(a.share * 100).toFixed(1)}% | ${n0(a.us)} |`),
    '',
    'Top functions by self time (share of the profile, idle included):',
    '',
    ...p.topFunctions.map((t) => `- ${(t.share * 100).toFixed(1)}% \`${t.name}\` ${t.where}`),
    '',
  ];
}

export function formatMarkdown(f: Figures, rows: readonly Row[]): string {
  const m = f.machine;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rounds = (s: Summary) => s.rounds.map((r) => n0(r.acceptedPerSec)).join(', ');
  const drained = (s: DrainedSummary) => s.rounds.map((r) => `${n0(r.deliveredPerSec)} (${n0(r.delivered)} in ${n2(r.windowSec)} s${r.isComplete ? '' : ', incomplete'})`).join(', ');
  return [
    '# GenHook benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below comes from the one run described here.',
    '',
    `- Command: \`${f.command}\``,
    `- Machine: ${m.cores} cores (${m.model}), ${m.memoryGiB.toFixed(0)} GiB RAM, ${m.os}, Node ${m.node}`,
    `- Date: ${m.date}; whole run ${n0(f.totalSec)} s; 1-minute load average ${n2(m.loadAverage[0])} at the start, ${n2(m.loadAverage[1])} at the end (other work on the machine)`,
    `- Payload: a signed ${n0(f.payloadBytes)}-byte GitHub push (grown from @octokit/webhooks-examples), X-Hub-Signature-256 with github_secret, a unique X-GitHub-Delivery per request.`,
    '- Dedup: the saturating load sends one fixed signed body (wrk cannot sign a body per request at this rate), so GenHook runs with `github_dedup = id`',
    '  (the default with a secret is `both`, which would answer every repeat of the body `200 duplicate`). Delivery-id dedup stays on and is persisted with the journal.',
    `- Per core (${f.isPinned ? 'pinned' : 'NOT pinned: fewer than 2 CPUs'}): every server under test runs alone on CPU 1 (\`taskset -c 1\`); wrk (1 thread, 64 connections), the fake SL1 and the runner`,
    '  (paced load, polling) on CPU 0 (`taskset -c 0`). Rounds alternate between servers, order rotating; figures are medians over rounds, ratios medians of per-round ratios.',
    '- All cores: nothing pinned; wrk 2 threads, 64 connections. GenHook with `workers = auto` (2 workers; more than one needs `redis_url`) and a local',
    '  redis-server (AOF, appendfsync always, as README recommends) in log mode; adnanh/webhook 2.8 (Debian `webhook`) with one hook: a `payload-hmac-sha256`',
    '  rule on X-Hub-Signature-256, `execute-command` /bin/true (it answers once the command is started).',
    `- GenHook: \`node ${f.genhookCli} serve --settings <tmp>/settings.ini --webhooks <webhooks.ini>\` with the repo's webhooks.ini, default settings except`,
    '  127.0.0.1, log_level = warn, github_secret, github_dedup = id, shutdown_grace_period = 1s, queue_max_size = 200000 (a saturating burst is absorbed, not refused);',
    '  "log mode" = no sl1_api_url (alerts journaled, then logged instead of sent: the receiving side); otherwise sl1_api_url = the fake SL1 (answers 201 at once).',
    '- Bare receiver (bench/bare-server.ts): node:http, read body, GitHub HMAC, JSON.parse, 202. Bare forwarder (bench/bare-forwarder.ts): the same, then one POST',
    '  per webhook to the fake SL1 on an undici Pool (50 connections, keep-alive), nothing durable, no retry.',
    '',
    '| Figure | Value | Target | Verdict |',
    '|---|---:|---|---|',
    ...rows.map((r) => `| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.target)} | ${verdict(r)} |`),
    '',
    '## Rounds',
    '',
    `- Receiving, GenHook log mode 2xx/s per round: ${rounds(f.receive.logMode)}`,
    `- Receiving, bare receiver 2xx/s per round: ${rounds(f.receive.bare)}`,
    `- Receiving, GenHook log mode journal off 2xx/s per round: ${rounds(f.receive.journalOff)}`,
    `- End to end, GenHook alerts/s per round: ${drained(f.endToEnd.genhook)}`,
    `- End to end, bare forwarder alerts/s per round: ${drained(f.endToEnd.forwarder)}`,
    `- All cores, GenHook workers = auto 2xx/s per round: ${rounds(f.allCores.workers)}`,
    `- All cores, adnanh/webhook 2xx/s per round: ${rounds(f.allCores.peer)}`,
    ...(f.redisMode === undefined ? [] : [
      `- Redis mode, receiving 2xx/s per round: ${rounds(f.redisMode.receive)}`,
      `- Redis mode, end to end alerts/s per round: ${drained(f.redisMode.endToEnd)}`,
      `- Redis mode, workers = 1 / workers = 2 alerts/s per round: ${drained(f.redisMode.workers.one)} / ${drained(f.redisMode.workers.two)}`,
      `- Redis commands per alert, end to end: ${f.redisMode.commands.byCommand.map((c) => `${c.command} ${n2(c.perAlert)}`).join(', ')}`,
    ]),
    `- Half saturation, paced, p99 per round: GenHook ${f.halfRate.genhook.rounds.map((r) => n2(r.p99Ms)).join(', ')} ms; bare forwarder ${f.halfRate.forwarder.rounds.map((r) => n2(r.p99Ms)).join(', ')} ms`,
    ...(f.memory ?? []).map((w) => `- Waiting memory, ${n0(w.payloadBytes)}-byte payload: ${n0(w.waiting)} waiting (${w.refused} refused), idle RSS ${mib(w.idleRss)}, peak RSS ${mib(w.peakRss)}${w.isPeakReset ? '' : ' (VmHWM could not be reset: peak since start)'}, heap+external ${mib(w.idleHeap)} → ${mib(w.waitingHeap)}`),
    '',
    '## How the figures are defined',
    '',
    '- Receiving: 2xx answers per second from wrk at saturation. Ack latency: wrk\'s per-request latency percentiles.',
    '- End to end: wrk at saturation for the round, then the fake SL1\'s count is polled until every 2xx answered has arrived; the figure is alerts',
    '  that reached SL1 / (time of the last arrival - start of the load). GenHook answers 202 once journaled and delivers from its queue, so a backlog builds',
    '  during the load and is counted as it drains; the bare forwarder answers 202 and fires the POST, its backlog is undici\'s queue.',
    '- Half saturation: half of GenHook\'s end-to-end rate (what it sustains receiving and delivering on its core), sent open-loop, evenly paced',
    '  (undici Pool, 64 connections; latency counted from when each request was due, so a stall is not hidden). Journal fsync, delivering to the fake SL1.',
    '- CPU µs per webhook: user + system CPU of the server process and its children (/proc/<pid>/stat, workers and forked commands included) from the',
    '  start of a round until it was idle or drained, over the 2xx (or delivered) count; median over rounds. The least noisy figure. At half saturation,',
    '  the paced round until GenHook drained (the forwarder until idle); "server core busy" is that CPU × the rate, a share of the one server core.',
    '- Redis mode (9): a redis-server like the all-cores one (AOF, appendfsync always), pinned on the server CPU with the GenHook under test in the per-core',
    '  rounds (so that core pays for both); each GenHook on its own Redis database. Commands per alert: INFO commandstats before and after the end-to-end',
    '  rounds, all commands (EVALSHA and the commands the scripts call, XREADGROUP incl. empty blocking reads, MULTI/EXEC and what they hold), over the alerts delivered. workers = 2 / 1:',
    '  end to end, unpinned, wrk 2 threads, the same settings with workers = 1 and workers = 2.',
    '- Profiles: one more saturated round of the same configuration under `--cpu-prof`; self time grouped by the profile tool\'s areas (native frames',
    '  counted for their nearest JS caller), idle time and module loading at start left out, shares applied to the CPU µs measured without the profiler.',
    '',
    '## Where the CPU goes',
    '',
    ...f.profiles.flatMap(profileSection),
    '## Finding what stands in the way',
    '',
    '- `node dist/bench/profile.js [seconds] [fsync|write|off] [sl1|log]`: GenHook under saturation with `--cpu-prof`; prints self time by function, file and area.',
    '- `node dist/bench/heap-snapshot.js [count]`: heap snapshots before and with `count` alerts waiting; prints what each waiting alert retains, by object kind.',
    '- `BENCH_QUICK=1 npm run bench`: the per-core and all-cores figures with short rounds, for trying a change (not for figures).',
    ...(f.notes.length === 0 ? [] : ['', '## Notes', '', ...f.notes.map((note) => `- ${note}`)]),
    '',
  ].join('\n');
}
