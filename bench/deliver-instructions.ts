/**
 * `node dist/bench/deliver-instructions.js [alerts] [other-build-dir] [second-build-dir]`: machine instructions
 * GenHook's delivery spends per alert, counted by valgrind's callgrind, without the receiving side. Each build
 * runs as a real GenHook (startGenHook from its dist/, journal fsync, delivering to the fake SL1, log_level warn)
 * under callgrind with instrumentation off; alerts are handed straight to its dispatcher (offer, at most 64 held
 * at a time, as the feeder keeps it busy), so no HTTP, verify, parse or journal append is counted, only what
 * delivery does: the dispatcher, the SL1 request and its answer, the end hooks (metrics, recent alerts).
 * After a warm-up (the JIT settles) instrumentation is switched on for exactly `alerts` deliveries.
 * With `other-build-dir` both are counted alternately (A B A B, `INSTR_RUNS` rounds, default 4), medians printed.
 * Steadier than instructions.js's sl1 mode (whose group-commit batches and receive path follow timing):
 * for delivery levers. Node runs with `INSTR_NODE_FLAGS` (default --single-threaded).
 */
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { callgrindControl, lastDumpTotal } from './callgrind.js';
import { findFreePort, runAsScript, startReadyChild } from './children.js';
import { repoWebhooksFile, writeSettings } from './genhook-config.js';

const WARMUP_ALERTS = Number(process.env['INSTR_WARMUP'] ?? '6000');
const NODE_FLAGS = (process.env['INSTR_NODE_FLAGS'] ?? '--single-threaded').split(' ').filter((flag) => flag !== '');
/** Alerts held by the dispatcher at most while counting: enough to keep its 50 slots busy. */
const HELD = 64;

/** The harness, inside the counted process: `--harness <build-dir> <settings> <webhooks>`; lines on stdin drive it. */
async function harness(buildDir: string, settingsFile: string, webhooksFile: string): Promise<void> {
  const server = (await import(pathToFileURL(resolve(buildDir, 'dist/src/server.js')).href)) as typeof import('../src/server.js');
  const genhook = await server.startGenHook({ settingsFile, webhooksFile });
  const { dispatcher } = genhook;
  let made = 0;
  const alertOf = (n: number) => ({
    id: `bench-${process.pid}-${n}`,
    requestId: `req-${n}`,
    source: 'github',
    event: 'push',
    message: `GitHub push to acme/widgets (refs/heads/main) by octocat: commit number ${n} fixes the frobnicator`,
    fields: {},
    receivedAt: Date.now(),
  });
  // One room listener for the harness's life: each `deliver` sets how far to go and whom to tell.
  let target = 0;
  let onDone: (() => void) | undefined;
  const top = () => {
    while (made < target && dispatcher.size + dispatcher.inFlight < HELD && dispatcher.offer(alertOf(made))) made++;
    if (made >= target && dispatcher.size + dispatcher.inFlight === 0) {
      const done = onDone;
      onDone = undefined;
      done?.();
    }
  };
  dispatcher.onRoom(top);
  const deliver = (count: number): Promise<void> =>
    new Promise<void>((done) => {
      target = made + count;
      onDone = done;
      top();
    });
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  for await (const line of lines) {
    const [command, arg] = line.split(' ');
    if (command === 'deliver') {
      await deliver(Number(arg));
      process.stdout.write('delivered\n');
    } else if (command === 'stop') break;
  }
  await genhook.shutdown(1000);
  process.exit(0);
}

async function countOnce(buildDir: string, alerts: number, sl1Port: number): Promise<number> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'genhook-dinstr-'));
  const cgDir = join(tmp, 'cg');
  spawnSync('mkdir', ['-p', cgDir]);
  const settings = writeSettings(tmp, {
    port: await findFreePort(), secret: 'bench-github-secret', dataDir: join(tmp, 'data'), queueMaxSize: 200_000,
    sl1Url: `http://127.0.0.1:${sl1Port}/api/alert`,
  });
  const proc = spawn('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(cgDir, 'callgrind.out.%p')}`,
    process.execPath, ...NODE_FLAGS, fileURLToPath(import.meta.url), '--harness', buildDir, settings, repoWebhooksFile(),
  ], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const expect = async (wanted: string) => {
    for (;;) {
      const next = await lines.next();
      if (next.done === true) throw new Error(`the harness ended before '${wanted}'`);
      if (next.value === wanted) return;
    }
  };
  try {
    await expect('ready');
    proc.stdin.write(`deliver ${WARMUP_ALERTS}\n`);
    await expect('delivered');
    callgrindControl(['-z', String(proc.pid)]);
    callgrindControl(['-i', 'on', String(proc.pid)]);
    proc.stdin.write(`deliver ${alerts}\n`);
    await expect('delivered');
    callgrindControl(['-i', 'off', String(proc.pid)]);
    callgrindControl(['-d', String(proc.pid)]);
    const total = lastDumpTotal(cgDir);
    proc.stdin.write('stop\n');
    return total / alerts;
  } finally {
    await new Promise((done) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      proc.once('exit', () => done(clearTimeout(timer)));
      if (proc.exitCode !== null) done(clearTimeout(timer));
    });
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const alerts = Number(process.argv[2] ?? '3000');
  const other = process.argv[3];
  const second = process.argv[4];
  const here = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const builds = [
    ...(other === undefined ? [] : [{ label: 'other build', dir: resolve(other) }]),
    { label: second === undefined ? 'this build' : 'second build', dir: second === undefined ? here : resolve(second) },
  ];
  const runs = Number(process.env['INSTR_RUNS'] ?? (other === undefined ? '1' : '4'));
  const sl1 = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0']);
  const counts = new Map<string, number[]>(builds.map((b) => [b.label, []]));
  try {
    for (let run = 0; run < runs; run++) {
      for (const build of run % 2 === 0 ? builds : [...builds].reverse()) {
        const perAlert = await countOnce(build.dir, alerts, sl1.port);
        counts.get(build.label)?.push(perAlert);
        process.stdout.write(`${build.label}: ${Math.round(perAlert).toLocaleString('en-US')} instructions per alert delivered\n`);
      }
    }
    for (const [label, values] of counts) {
      const sorted = [...values].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      process.stdout.write(`${label}: median ${Math.round(median).toLocaleString('en-US')} instructions per alert over ${values.length} run(s) (${sorted.map((v) => Math.round(v / 1000)).join(', ')} K)\n`);
    }
  } finally {
    await sl1.child.stop();
  }
}

if (process.argv[2] === '--harness') {
  const [, , , buildDir = '', settingsFile = '', webhooksFile = ''] = process.argv;
  await harness(buildDir, settingsFile, webhooksFile);
} else runAsScript(import.meta.url, 'deliver-instructions', main);
