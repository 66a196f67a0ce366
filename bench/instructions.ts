/**
 * `node dist/bench/instructions.js [requests] [log|sl1] [other-build-dir] [second-build-dir]`: machine instructions GenHook executes per
 * webhook, counted by valgrind's callgrind (Debian `valgrind`), so a change can be measured while the machine is
 * busy with other work: the count does not depend on what else runs, unlike time. GenHook runs under callgrind
 * with instrumentation off (near full speed); after a warm-up (the JIT settles) it is switched on for exactly `requests` signed
 * webhooks (16 at a time) and, in `sl1` mode, until they are delivered to the fake SL1; the total is divided by
 * `requests`. With `other-build-dir` that build is counted too, alternately (A B A B), so the two can be compared.
 * Caution: the count is not as steady as it looks. Two copies of one build differed by 10-30% per run on the busy
 * machine (1.08M-1.42M per webhook): group-commit batch sizes, GC and JIT follow timing, and timing follows the
 * machine's load. Compare many alternating runs, or count a pure function instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { callgrindControl, lastDumpTotal } from './callgrind.js';
import { findFreePort, runAsScript, spawnChild, startReadyChild, type BenchChild } from './children.js';
import type { Sl1Stats } from './fake-sl1-server.js';
import { repoWebhooksFile, writeSettings, type JournalMode } from './genhook-config.js';
import { genhookCliPath } from './genhook-child.js';
import { buildSignedPush, githubPushHeaders, type SignedBody } from './payloads.js';

const SECRET = 'bench-github-secret';
const WARMUP_REQUESTS = Number(process.env['INSTR_WARMUP'] ?? '4000');
/** Node flags for the counted GenHook; `--single-threaded-gc` by default: GC helper threads' timing varies the count. */
const NODE_FLAGS = (process.env['INSTR_NODE_FLAGS'] ?? '--single-threaded-gc').split(' ').filter((flag) => flag !== '');
/** `INSTR_JOURNAL=off|write`: journal_mode of the counted GenHook (default fsync); off takes the group-commit batch sizes, which follow timing, out of the count. */
const JOURNAL_MODE = (process.env['INSTR_JOURNAL'] ?? 'fsync') as JournalMode;

/** Sends `count` webhooks, `concurrency` at a time, each with its own delivery id; resolves when all are answered. */
async function send(port: number, payload: SignedBody, count: number, prefix: string, concurrency = 16): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const response = await pool.request({
        method: 'POST',
        path: '/webhook/github',
        headers: githubPushHeaders(payload, `${prefix}-${n}`),
        body: payload.body,
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) accepted++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return accepted;
}

async function countOnce(label: string, cli: string, requests: number, mode: 'log' | 'sl1', sl1: { child: BenchChild; port: number }, run: number): Promise<number> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'genhook-instr-'));
  const port = await findFreePort();
  const settings = writeSettings(tmp, {
    port, secret: SECRET, dataDir: join(tmp, 'data'), queueMaxSize: 200_000, dedup: 'id', journalMode: JOURNAL_MODE,
    ...(mode === 'sl1' ? { sl1Url: `http://127.0.0.1:${sl1.port}/api/alert` } : {}),
  });
  const cgDir = join(tmp, 'cg');
  spawnSync('mkdir', ['-p', cgDir]);
  const { child } = await spawnChild({
    name: `${label}-callgrind`,
    script: '',
    command: 'valgrind',
    args: [
      '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(cgDir, 'callgrind.out.%p')}`,
      process.execPath, ...NODE_FLAGS, cli, 'serve', '--settings', settings, '--webhooks', repoWebhooksFile(),
    ],
    ready: async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200,
    readyTimeoutMs: 180_000,
  });
  try {
    const payload = buildSignedPush(SECRET, 7 * 1024);
    await send(port, payload, WARMUP_REQUESTS, `warm-${run}`);
    const stats = () => sl1.child.ask<Sl1Stats>({ cmd: 'stats' }, 'stats', 60_000);
    const deliveredBefore = mode === 'sl1' ? (await waitDelivered(stats, undefined)).delivered : 0;
    callgrindControl(['-z', String(child.pid)]);
    callgrindControl(['-i', 'on', String(child.pid)]);
    const accepted = await send(port, payload, requests, `count-${run}`);
    if (mode === 'sl1') await waitDelivered(stats, deliveredBefore + accepted);
    callgrindControl(['-i', 'off', String(child.pid)]);
    callgrindControl(['-d', String(child.pid)]);
    const total = lastDumpTotal(cgDir);
    if (accepted !== requests) throw new Error(`${label}: only ${accepted} of ${requests} webhooks were accepted`);
    return total / requests;
  } finally {
    await child.stop(30_000);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Waits until the fake SL1's delivered count reaches `target` (or stops moving for 5 s when `target` is unset). */
async function waitDelivered(stats: () => Promise<Sl1Stats>, target: number | undefined): Promise<Sl1Stats> {
  let last = await stats();
  let still = 0;
  for (;;) {
    if (target !== undefined && last.delivered >= target) return last;
    await new Promise((r) => setTimeout(r, 250));
    const now = await stats();
    still = now.delivered === last.delivered ? still + 1 : 0;
    last = now;
    if (target === undefined && still >= 20) return last;
    if (still >= 240) throw new Error(`deliveries stopped at ${last.delivered} of ${target}`);
  }
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? '2000');
  const mode = process.argv[3] === 'sl1' ? 'sl1' : 'log';
  const other = process.argv[4];
  // A second directory instead of this build, so both builds sit in like places.
  const second = process.argv[5];
  const runs = Number(process.env['INSTR_RUNS'] ?? (other === undefined ? '1' : '2'));
  const builds = [
    ...(other === undefined ? [] : [{ label: 'other build', cli: resolve(other, 'dist/src/cli.js') }]),
    second === undefined ? { label: 'this build', cli: genhookCliPath() } : { label: 'second build', cli: resolve(second, 'dist/src/cli.js') },
  ];
  const sl1 = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0']);
  const counts = new Map<string, number[]>(builds.map((b) => [b.label, []]));
  try {
    for (let run = 0; run < runs; run++) {
      for (const build of run % 2 === 0 ? builds : [...builds].reverse()) {
        const perWebhook = await countOnce(build.label, build.cli, requests, mode, sl1, run);
        counts.get(build.label)?.push(perWebhook);
        process.stdout.write(`${build.label} (${mode}): ${Math.round(perWebhook).toLocaleString('en-US')} instructions per webhook\n`);
      }
    }
    for (const [label, values] of counts) {
      const sorted = [...values].sort((a, b) => a - b);
      process.stdout.write(`${label}: median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN).toLocaleString('en-US')} instructions per webhook over ${values.length} run(s)\n`);
    }
  } finally {
    await sl1.child.stop();
  }
}

runAsScript(import.meta.url, 'instructions', main);
