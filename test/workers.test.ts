/**
 * `workers = N`: N processes on one port through node:cluster. Without redis_url more than one worker is
 * refused at start; with it, both workers take webhooks, a worker killed with -9 is replaced, and SIGTERM
 * drains every worker before the primary exits.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, serveChild } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { send } from './support/genhook.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';
import { eventually } from './support/eventually.js';
import { pidsLogging } from './support/log-lines.js';
import { tempDir } from './support/temp-dir.js';

async function configDir(settings: Record<string, string | number>): Promise<{ dir: string; settingsFile: string; webhooksFile: string }> {
  const dir = await tempDir('genhook-workers-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  const all = { server_host: '127.0.0.1', server_port: 0, data_dir: join(dir, 'data'), log_level: 'info', watch_config: false, ...settings };
  await writeFile(settingsFile, Object.entries(all).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
  await writeFile(webhooksFile, 'app: n::App alert $n$\n');
  return { dir, settingsFile, webhooksFile };
}

async function until(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  await eventually(what, done, { timeoutMs });
}

test('workers = 2 without redis_url: GenHook refuses to start and says what to set', async () => {
  const { settingsFile, webhooksFile } = await configDir({ workers: 2 });
  const result = await runCli(['serve', '--settings', settingsFile, '--webhooks', webhooksFile]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /GenHook did not start: .*workers = 2 needs redis_url/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

test('workers = 2 on Redis: both take webhooks on one port, a killed worker is replaced, SIGTERM drains all', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  const { dir, settingsFile, webhooksFile } = await configDir({ workers: 2, redis_url: redis.url, sl1_api_url: sl1.url, redis_claim_idle: '1s' });
  const genhook = await serveChild(settingsFile, webhooksFile);
  try {
    await until('both workers listening', () => pidsLogging(genhook.output(), 'GenHook listening').size === 2).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${genhook.output()}`);
    });
    const workers = [...pidsLogging(genhook.output(), 'GenHook listening')];
    // New connections are spread over the workers (the primary hands them out round-robin).
    for (let n = 1; n <= 40; n++) assert.equal((await send(`${genhook.url}/webhook/app`, { n }, { connection: 'close' })).status, 202);
    await sl1.waitFor(40);
    assert.equal(pidsLogging(genhook.output(), 'webhook queued').size, 2, 'both workers queued webhooks');

    process.kill(workers[0]!, 'SIGKILL');
    await until('a replacement worker', () => pidsLogging(genhook.output(), 'GenHook listening').size === 3);
    assert.match(genhook.output(), /GenHook worker died; starting another in its place/);
    for (let n = 41; n <= 60; n++) assert.equal((await send(`${genhook.url}/webhook/app`, { n }, { connection: 'close' })).status, 202);
    await sl1.waitFor(60);

    genhook.child.kill('SIGTERM');
    assert.equal(await genhook.exited, 0);
    assert.match(genhook.output(), /all GenHook workers stopped/);
    for (const pid of pidsLogging(genhook.output(), 'GenHook listening')) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
    }
    await assert.rejects(readFile(join(dir, 'data', 'genhook.lock')), /ENOENT/, 'the primary released the data_dir lock');
    const messages = new Set(sl1.received.map((req) => req.body?.['message']));
    assert.equal(messages.size, 60);
  } finally {
    if (genhook.child.exitCode === null) genhook.child.kill('SIGKILL');
    await sl1.close();
    await redis.stop();
  }
});
