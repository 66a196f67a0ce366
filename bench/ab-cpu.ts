/**
 * `node dist/bench/ab-cpu.js <other-build-dir> [rounds] [seconds] [log|sl1]`: CPU µs per webhook of this build
 * against another build of GenHook (a directory holding its `dist/` and `node_modules/`, e.g. a clone of main
 * built with `npx tsc`), pinned as `npm run bench` is, rounds alternating between the two and the order rotating.
 * `log`: receiving in log mode (CPU per 2xx); `sl1`: end to end to the fake SL1 (CPU per delivered alert, counted
 * until the backlog drains). CPU time of the server process is the figure that load elsewhere on the machine
 * disturbs least; for trying one change at a time, each compared within one session. `AB_REDIS=1`: both with redis_url,
 * on one redis-server (AOF, appendfsync always) pinned with them on the server CPU, each build on its own database.
 * `AB_NODE_ARGS='--flag …'`: node flags for this build only (with the other build a copy of this one: a flag's effect).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsScript, startReadyChild } from './children.js';
import { alternateDrained } from './drain-phases.js';
import { repoWebhooksFile } from './genhook-config.js';
import { startGenhook, type GenhookChild } from './genhook-child.js';
import { alternateRounds } from './phases.js';
import { buildSignedPush } from './payloads.js';
import { runWrk } from './wrk.js';
import { startRedis } from './peers.js';

async function main(): Promise<void> {
  const otherDir = process.argv[2];
  if (otherDir === undefined) throw new Error('usage: node dist/bench/ab-cpu.js <other-build-dir> [rounds] [seconds] [log|sl1]');
  const rounds = Number(process.argv[3] ?? '6');
  const seconds = Number(process.argv[4] ?? '3');
  const mode = process.argv[5] === 'sl1' ? 'sl1' : 'log';
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-ab-'));
  const secret = 'bench-github-secret';
  const payload = buildSignedPush(secret, 7 * 1024);
  const pin = os.cpus().length >= 2 ? { server: '1', load: '0' } : undefined;
  const { child: sl1, port: sl1Port } = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0'], pin?.load);
  const started: GenhookChild[] = [];
  const redis = process.env['AB_REDIS'] === '1' ? await startRedis(join(tmpRoot, 'redis'), pin?.server) : undefined;
  try {
    const config = { secret, queueMaxSize: 200_000, dedup: 'id' as const, ...(mode === 'sl1' ? { sl1Url: `http://127.0.0.1:${sl1Port}/api/alert` } : {}) };
    const builds = [
      { label: 'other build', cliPath: resolve(otherDir, 'dist/src/cli.js') },
      { label: 'this build', cliPath: undefined, nodeArgs: (process.env['AB_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '') },
    ];
    for (const [i, build] of builds.entries()) {
      const redisUrl = redis === undefined ? {} : { redisUrl: `${redis.url}/${i + 1}` };
      started.push(await startGenhook({ name: build.label.replace(' ', '-'), tmpRoot, webhooksFile: repoWebhooksFile(), config: { ...config, ...redisUrl }, ...(pin ? { cpus: pin.server } : {}), ...(build.cliPath ? { cliPath: build.cliPath } : {}), ...(build.nodeArgs ? { nodeArgs: build.nodeArgs } : {}) }));
    }
    const wrkOn = (gh: GenhookChild) => (durationSec: number) =>
      runWrk({ url: `http://127.0.0.1:${gh.port}/webhook/github`, payload, durationSec, ...(pin ? { cpus: pin.load } : {}) });
    const log = (line: string) => process.stdout.write(`${line}\n`);
    if (mode === 'log') {
      const targets = builds.map((build, i) => {
        const gh = started[i] as GenhookChild;
        return { label: build.label, port: gh.port, pid: gh.child.pid, load: wrkOn(gh), settle: () => settled(gh, 30_000) };
      });
      for (const t of targets) await t.load(2);
      const summaries = await alternateRounds(targets, payload, { roundSec: seconds, rounds }, log);
      for (const [label, summary] of summaries) log(`${label}: median ${summary.cpuUsPerRequest.toFixed(1)} µs of CPU per webhook, ${summary.rps.toFixed(0)} 2xx/s`);
    } else {
      const targets = builds.map((build, i) => {
        const gh = started[i] as GenhookChild;
        return { label: build.label, pid: gh.child.pid, load: wrkOn(gh), settle: () => settled(gh, 60_000) };
      });
      await alternateDrained(targets, sl1, 2, 1, () => undefined);
      const drained = await alternateDrained(targets, sl1, seconds, rounds, log);
      for (const [label, summary] of drained) log(`${label}: median ${summary.cpuUsPerAlert.toFixed(1)} µs of CPU per delivered alert, ${summary.deliveredPerSec.toFixed(0)} alerts/s`);
    }
  } finally {
    for (const gh of started) await gh.child.stop();
    await sl1.stop();
    await redis?.child.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

/** Nothing waiting: in the queue, in flight, or (redis_url) in the Redis stream, which waitDrained does not see. */
async function settled(gh: GenhookChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = await gh.metrics();
    if ((m.get('genhook_queue_depth') ?? 0) + (m.get('genhook_deliveries_in_flight') ?? 0) + (m.get('genhook_redis_pending') ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

runAsScript(import.meta.url, 'ab-cpu', main);
