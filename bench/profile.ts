/**
 * `node dist/bench/profile.js [seconds] [journal_mode] [sl1|log]`: GenHook under saturation with `--cpu-prof`, then
 * the functions with the most self time, and the same grouped by file and area. Pinned as `npm run bench` is
 * (GenHook on CPU 1, wrk and the fake SL1 on CPU 0) on a machine with 2 CPUs or more; github_dedup = id, as
 * the bench's fixed body needs. For finding what stands between GenHook and the bare servers.
 * PROFILE_RATE=<n>: instead of saturating with wrk, send n webhooks a second evenly paced (the bench's paced round).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsScript, startReadyChild } from './children.js';
import { repoWebhooksFile, type JournalMode } from './genhook-config.js';
import { startGenhook } from './genhook-child.js';
import { runPaced } from './paced-load.js';
import { runWrk } from './wrk.js';
import { startRedis } from './peers.js';
import { buildSignedPush } from './payloads.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

/** Where time goes, by stage; the first pattern that matches a file wins. */
const AREAS: readonly (readonly [string, RegExp])[] = [
  ['delivery to SL1 (undici, p-retry, opossum, p-queue, src/deliver)', /^(undici\/|p-retry|opossum|p-queue|src\/deliver\/|node:internal\/deps\/undici|node:internal\/abort_controller|node:internal\/event_target|eventemitter3|is-network-error)/],
  ['journal (src/enqueue, src/store)', /^src\/(enqueue|store)\//],
  ['intake: verify, parse, identify, extract, render', /^src\/(intake|admit|payload|providers|verify|identify|extract|render|rules)\//],
  ['HTTP server side (node:http, hono, @hono/node-server, src/receive)', /^(node:_http|node:http|hono\/|@hono\/|src\/receive\/|node:internal\/streams|node:net|node:stream)/],
  ['metrics and logging (prom-client, pino)', /^(prom-client|pino|@pinojs|src\/ops\/|sonic-boom|tdigest|bintrees)/],
  ['crypto (HMAC)', /^node:internal\/crypto/],
  ['socket writes (writev to the peer)', /^(node:internal\/stream_base_commons|\(writev\))/],
  ['file I/O calls (journal write, fdatasync, stat)', /^(node:internal\/fs\/|node:fs$|\((fdatasync|fstat|stat|openFileHandle|writeBuffer|writeString|close|read)\))/],
  ['promises and ticks', /^(node:internal\/process\/task_queues|\(runMicrotasks\))/],
  ['startup (module loading)', /^node:internal\/(modules|bootstrap)\//],
  ['garbage collector', /^\(garbage collector\)/],
  ['native outside JS ((program): libuv, V8)', /^\(program\)/],
  ['idle', /^\(idle\)/],
];

/** Self time per function (by name and location) and per file, from a .cpuprofile, largest first. */
export function summariseProfile(profile: CpuProfile): { byFunction: SelfTime[]; byFile: SelfTime[]; byArea: SelfTime[]; otherOwners: SelfTime[] } {
  const selfUs = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? -1;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, SelfTime>();
  const byFile = new Map<string, SelfTime>();
  const byArea = new Map<string, SelfTime>();
  const otherOwners = new Map<string, SelfTime>();
  const parentOf = new Map<number, ProfileNode>();
  const nodeById = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    nodeById.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node);
  }
  // Native frames (writev, JSON.parse builtins, fdatasync) count for the nearest JS caller's file.
  const ownerFile = (node: ProfileNode): string => {
    for (let at: ProfileNode | undefined = node; at !== undefined; at = parentOf.get(at.id)) {
      if (at.callFrame.url !== '') return shortenUrl(at.callFrame.url);
    }
    return `(${node.callFrame.functionName.replace(/[()]/g, '')})`;
  };
  const add = (map: Map<string, SelfTime>, key: string, name: string, where: string, us: number) => {
    const earlier = map.get(key);
    const ms = (earlier?.ms ?? 0) + us / 1000;
    map.set(key, { name, where, ms, share: (ms * 1000) / total });
  };
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = shortenUrl(url);
    const name = functionName === '' ? '(anonymous)' : functionName;
    add(byFunction, `${name}@${file}:${lineNumber}`, name, `${file}:${lineNumber + 1}`, us);
    add(byFile, file, file, file, us);
    const owner = ownerFile(node);
    const area = AREAS.find(([, pattern]) => pattern.test(owner))?.[0] ?? `other (${owner})`;
    add(byArea, area.startsWith('other') ? 'other' : area, area.startsWith('other') ? 'other' : area, '', us);
    if (area.startsWith('other')) add(otherOwners, `${owner} ${name}`, `${owner} ${name}`, `${owner} ${name}`, us);
  }
  const sorted = (map: Map<string, SelfTime>) => [...map.values()].sort((a, b) => b.ms - a.ms);
  return { byFunction: sorted(byFunction), byFile: sorted(byFile), byArea: sorted(byArea), otherOwners: sorted(otherOwners) };
}

function shortenUrl(url: string): string {
  if (url === '') return '(native/V8)';
  const nodeModules = url.lastIndexOf('node_modules/');
  if (nodeModules >= 0) return url.slice(nodeModules + 'node_modules/'.length);
  const dist = url.search(/\/(src|bench)\//);
  return dist >= 0 ? url.slice(dist + 1) : url.replace('file://', '');
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? '8');
  const journalMode = (process.argv[3] ?? 'fsync') as JournalMode;
  // log: no sl1_api_url, so the profile shows the receiving side alone.
  const isLogMode = process.argv[4] === 'log';
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-profile-'));
  const profDir = join(tmpRoot, 'prof');
  const secret = 'bench-github-secret';
  const payload = buildSignedPush(secret, 7 * 1024);
  const pin = os.cpus().length >= 2 ? { server: '1', load: '0' } : undefined;
  const { child: sl1, port: sl1Port } = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0'], pin?.load);
  const redisPin = process.env['PROFILE_REDIS'] ?? '';
  const redis = redisPin === '' ? undefined : await startRedis(join(tmpRoot, 'redis'), redisPin === 'apart' ? pin?.load : pin?.server);
  try {
    const gh = await startGenhook({
      name: 'genhook-profiled', tmpRoot, webhooksFile: repoWebhooksFile(), cpuProfDir: profDir, cpus: pin?.server,
      config: { secret, ...(isLogMode ? {} : { sl1Url: `http://127.0.0.1:${sl1Port}/api/alert` }), queueMaxSize: 200_000, journalMode, dedup: 'id', ...(redis ? { redisUrl: redis.url } : {}) },
    });
    const rate = Number(process.env['PROFILE_RATE'] ?? '0');
    const load = (durationSec: number) =>
      rate > 0
        ? runPaced({ port: gh.port, payload, rate, durationSec })
        : runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec, ...(pin ? { cpus: pin.load } : {}) });
    await load(2);
    const result = await load(seconds);
    process.stdout.write(`GenHook (${redis ? 'redis_url, ' : ''}journal ${journalMode}, ${isLogMode ? 'log mode' : 'delivering to the fake SL1'}${rate > 0 ? `, paced ${rate}/s` : ''}) ${result.acceptedPerSec.toFixed(0)} 2xx/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms\n`);
    await gh.waitDrained(20_000);
    await gh.child.stop(10_000);
    const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}: did GenHook exit normally on SIGTERM?`);
    const kept = join(os.tmpdir(), 'genhook-bench-last.cpuprofile');
    copyFileSync(join(profDir, file), kept);
    process.stdout.write(`profile kept as ${kept} (open it in Chrome DevTools > Performance)\n`);
    const { byFunction, byFile, byArea, otherOwners } = summariseProfile(JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile);
    const line = (s: SelfTime) => `${(s.share * 100).toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(6)} ms  ${s.name === s.where ? s.where : `${s.name}  ${s.where}`}`;
    process.stdout.write(`\nTop self time by function:\n${byFunction.slice(0, 30).map(line).join('\n')}\n`);
    process.stdout.write(`\nTop self time by file:\n${byFile.slice(0, 25).map(line).join('\n')}\n`);
    process.stdout.write(`\nSelf time by area (native frames counted for their JS caller):\n${byArea.map(line).join('\n')}\n`);
    process.stdout.write(`\n'other' is mostly (file of the nearest JS frame, function):\n${otherOwners.slice(0, 12).map(line).join('\n')}\n`);
  } finally {
    await sl1.stop();
    await redis?.child.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, 'profile', main);
