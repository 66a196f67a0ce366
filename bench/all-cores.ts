/**
 * `node dist/bench/all-cores.js [rounds] [seconds] [workers] [other-build-dir]`: only `npm run bench`'s section 4
 * (all cores, unpinned, wrk 2 threads): GenHook `workers = auto` (or the count given) with redis_url against
 * adnanh/webhook running /bin/true, rounds alternating. With another build dir, that build's GenHook runs too
 * (A/B). Prints each round, the ratio, and where the CPU went in the last round of each GenHook: per process
 * (primary, each worker, redis-server) and per thread, from /proc, so that a cost nobody expected has a name.
 * ALL_CORES_NO_PEER=1: GenHook only. ALL_CORES_SL1=1: delivering to a fake SL1 (as section 9c) instead of log mode.
 * ALL_CORES_PROFILE=1: --cpu-prof in every GenHook process (wall-clock samples: on a busy machine they count time
 * spent descheduled too). Also printed: Redis commands per 2xx (INFO commandstats over the last round) and the mean
 * time of each Redis operation GenHook timed. Take `flock /work/bench.lock` around it: the figures are timings.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsScript, startReadyChild, waitIdle } from './children.js';
import { repoWebhooksFile } from './genhook-config.js';
import { startGenhook } from './genhook-child.js';
import { median } from './load.js';
import { buildSignedPush } from './payloads.js';
import { startRedis, startWebhookPeer } from './peers.js';
import { alternateRounds, type Target } from './phases.js';
import { runWrk } from './wrk.js';
import { summariseProfile } from './profile.js';
import { Redis } from 'ioredis';

const SECRET = 'bench-github-secret';
const TICKS = 100;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** One thread's CPU so far, ms, keyed `pid/tid name`. */
function threadCpu(pid: number, into = new Map<string, number>(), depth = 0): Map<string, number> {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return into;
  }
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      into.set(`${'  '.repeat(depth)}${comm} ${pid}/${task} ${name}`, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS);
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean)) threadCpu(Number(child), into, depth + 1);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return into;
}

function printThreads(label: string, before: Map<string, number>, after: Map<string, number>, requests: number): void {
  log(`  CPU by thread, ${label} (µs per 2xx; ${requests} 2xx):`);
  const byProcess = new Map<string, number>();
  for (const [key, ms] of after) {
    const delta = ms - (before.get(key) ?? 0);
    const process = key.replace(/\/\d+ .*$/, '');
    byProcess.set(process, (byProcess.get(process) ?? 0) + delta);
    if (delta >= 10) log(`    ${key.padEnd(48)} ${((delta * 1000) / Math.max(1, requests)).toFixed(0).padStart(6)}`);
  }
  for (const [process, ms] of byProcess) if (ms >= 10) log(`  process ${process.trim().padEnd(40)} ${((ms * 1000) / Math.max(1, requests)).toFixed(0).padStart(6)}`);
}

/** Mean time and count of each Redis command GenHook timed (genhook_redis_command_duration_seconds), over the GenHook's life. */
function describeRedisCommands(label: string, metrics: string): string {
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const match of metrics.matchAll(/^genhook_redis_command_duration_seconds_(sum|count)\{[^}]*command="([^"]+)"[^}]*\} (\S+)$/gm)) {
    const [, kind, command, value] = match;
    if (command === undefined) continue;
    const into = kind === 'sum' ? sums : counts;
    into.set(command, (into.get(command) ?? 0) + Number(value));
  }
  const rows = [...counts].map(([command, count]) => `${command} ${count} × ${(((sums.get(command) ?? 0) / Math.max(1, count)) * 1000).toFixed(2)} ms`);
  return `  Redis commands of ${label} (count × mean): ${rows.join(', ')}`;
}

/** Each process's .cpuprofile (its whole life, warm-up included): areas and top functions, µs per 2xx of all rounds. */
function printProfiles(label: string, dir: string, requests: number): void {
  const perRequest = (ms: number) => ((ms * 1000) / Math.max(1, requests)).toFixed(1).padStart(7);
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const { byArea, byFunction } = summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<typeof summariseProfile>[0]);
    const busy = byArea.filter((a) => a.name !== 'idle').reduce((sum, a) => sum + a.ms, 0);
    log(`  profile ${label} ${file}: ${perRequest(busy)} µs busy per 2xx (${requests} 2xx in all)`);
    for (const area of byArea.filter((a) => a.name !== 'idle').slice(0, 8)) log(`    ${perRequest(area.ms)}  ${area.name}`);
    for (const fn of byFunction.filter((f) => f.name !== '(idle)').slice(0, 15)) log(`      ${perRequest(fn.ms)}  ${fn.name} ${fn.where}`);
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? '3');
  const seconds = Number(process.argv[3] ?? '4');
  const workersArg = process.argv[4] ?? 'auto';
  const workers = workersArg === 'auto' ? 'auto' : Number(workersArg);
  const otherDir = process.argv[5];
  // ALL_CORES_PROFILE=1: every GenHook process (primary, workers) with --cpu-prof; their areas per 2xx at the end.
  const isProfiled = process.env['ALL_CORES_PROFILE'] === '1';
  const skipPeer = process.env['ALL_CORES_NO_PEER'] === '1';
  // ALL_CORES_SL1=1: delivering to a fake SL1 (unpinned) instead of log mode, as the bench's 9c does.
  const sl1 = process.env['ALL_CORES_SL1'] === '1' ? await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0']) : undefined;
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-all-cores-'));
  const payload = buildSignedPush(SECRET, 7 * 1024);
  const redis = await startRedis(join(tmpRoot, 'redis'));
  const children: { stop(graceMs?: number): Promise<void> }[] = [redis.child, ...(sl1 ? [sl1.child] : [])];
  try {
    const builds = [{ label: 'GenHook workers', cliPath: undefined as string | undefined }];
    if (otherDir !== undefined) builds.unshift({ label: 'other build workers', cliPath: resolve(otherDir, 'dist/src/cli.js') });
    const targets: Target[] = [];
    const accepted = new Map<string, number>();
    const stats = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const commands = new Map<string, Map<string, number>>();
    const commandStats = async () => {
      const calls = new Map<string, number>();
      for (const match of (await stats.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (match[1] && match[2]) calls.set(match[1], Number(match[2]));
      return calls;
    };
    const last = new Map<string, { before: Map<string, number>; after: Map<string, number>; requests: number }>();
    for (const [i, build] of builds.entries()) {
      const gh = await startGenhook({
        name: build.label.replaceAll(' ', '-'), tmpRoot, webhooksFile: repoWebhooksFile(),
        config: { secret: SECRET, queueMaxSize: 200_000, dedup: 'id', workers, redisUrl: `${redis.url}/${i + 1}`, ...(sl1 ? { sl1Url: `http://127.0.0.1:${sl1.port}/api/alert` } : {}) },
        ...(build.cliPath === undefined ? {} : { cliPath: build.cliPath }),
        ...(isProfiled ? { cpuProfDir: join(tmpRoot, `prof-${i}`) } : {}),
      });
      children.push(gh.child);
      targets.push({
        label: build.label, port: gh.port, pid: gh.child.pid,
        load: async (sec) => {
          const before = threadCpu(gh.child.pid, threadCpu(redis.child.pid));
          const callsBefore = await commandStats();
          const result = await runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec: sec, threads: 2 });
          accepted.set(build.label, (accepted.get(build.label) ?? 0) + result.accepted);
          await waitIdle(gh.child.pid);
          const callsAfter = await commandStats();
          commands.set(build.label, new Map([...callsAfter].filter(([name]) => name !== 'info').map(([name, calls]) => [name, (calls - (callsBefore.get(name) ?? 0)) / Math.max(1, result.accepted)])));
          last.set(build.label, { before, after: threadCpu(gh.child.pid, threadCpu(redis.child.pid)), requests: result.accepted });
          return result;
        },
        settle: () => waitIdle(gh.child.pid),
      });
    }
    if (!skipPeer) {
      const peer = await startWebhookPeer(join(tmpRoot, 'webhook-peer'), SECRET);
      children.push(peer.child);
      targets.push({
        label: 'adnanh/webhook', port: peer.port, pid: peer.child.pid,
        load: (sec) => runWrk({ url: `http://127.0.0.1:${peer.port}/hooks/github`, payload, durationSec: sec, threads: 2 }),
        settle: () => waitIdle(peer.child.pid),
      });
    }
    log('warm-up');
    for (const t of targets) for (let i = 0; i < 2; i++) {
      await t.load?.(2);
      await t.settle?.();
    }
    log(`all cores, unpinned, wrk 2 threads: ${rounds} rounds × ${seconds} s, load ${os.loadavg()[0]?.toFixed(2)}`);
    const summaries = await alternateRounds(targets, payload, { roundSec: seconds, rounds }, log);
    const peer = summaries.get('adnanh/webhook');
    for (const [label, summary] of summaries) {
      const ratios = peer === undefined ? [] : summary.rounds.map((r, i) => r.acceptedPerSec / (peer.rounds[i]?.acceptedPerSec ?? Number.NaN));
      log(`${label}: ${summary.rps.toFixed(0)} 2xx/s, ${summary.cpuUsPerRequest.toFixed(0)} µs CPU per 2xx (tree)${ratios.length ? `, paired ratio to adnanh/webhook ${median(ratios).toFixed(2)}` : ''}`);
    }
    for (const [label, cpu] of last) printThreads(label, cpu.before, cpu.after, cpu.requests);
    for (const [label, perAlert] of commands) log(`  Redis commands per 2xx, last round of ${label}: ${[...perAlert].filter(([, n]) => n >= 0.01).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}`);
    stats.disconnect();
    for (const t of targets.filter((t) => t.label !== 'adnanh/webhook')) log(describeRedisCommands(t.label, await (await fetch(`http://127.0.0.1:${t.port}/metrics`)).text()));
    for (const child of children.reverse()) await child.stop(10_000);
    if (isProfiled) for (const [i, build] of builds.entries()) printProfiles(build.label, join(tmpRoot, `prof-${i}`), accepted.get(build.label) ?? 0);
  } finally {
    for (const child of children) await child.stop(10_000);
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, 'all-cores', main);
