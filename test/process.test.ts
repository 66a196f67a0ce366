/**
 * GenHook as a process: the CLI's answers, SIGTERM draining, and kill -9 in the middle of a burst losing
 * nothing that was acknowledged.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, serveChild } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { send } from './support/genhook.js';
import { eventually } from './support/eventually.js';
import { tempDir } from './support/temp-dir.js';

async function configDir(settings: Record<string, string | number>, webhooks: string): Promise<{ dir: string; settingsFile: string; webhooksFile: string }> {
  const dir = await tempDir('genhook-proc-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  const all = { server_host: '127.0.0.1', server_port: 0, data_dir: join(dir, 'data'), log_level: 'info', ...settings };
  await writeFile(settingsFile, Object.entries(all).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
  await writeFile(webhooksFile, webhooks);
  return { dir, settingsFile, webhooksFile };
}

const SEQ_LINE = 'burst: seq::Burst alert $seq$\n';

test('genhook check - names file, line and column of every broken line, exit 1', async () => {
  const broken = [
    'github: action,pull_request{title::GitHub $action$',
    'stripe type,data::Stripe $type$',
    'slack: event{type}::Slack $event.user$',
    'aws: a,,b::AWS $a$',
    'jira: a::Jira $a',
  ].join('\n');
  const { settingsFile, webhooksFile } = await configDir({}, broken);
  const result = await runCli(['check', '--settings', settingsFile, '--webhooks', webhooksFile]);
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  for (const line of [1, 2, 3, 4, 5]) {
    assert.ok(lines.some((text) => text.startsWith(`${webhooksFile}:${line}:`)), `line ${line} reported:\n${result.stderr}`);
  }
  assert.match(result.stderr, /unclosed '\{'/);
  assert.match(result.stderr, /NAME: FIELDS::TEMPLATE/);

  const serve = await runCli(['serve', '--settings', settingsFile, '--webhooks', webhooksFile]);
  assert.equal(serve.code, 1, 'GenHook refuses to start on an invalid file');
  assert.match(serve.stderr, /GenHook did not start/);
});

test('genhook check - the shipped files are valid, one summary line per source', async () => {
  const result = await runCli(['check', '--settings', 'settings.ini', '--webhooks', 'webhooks.ini']);
  assert.equal(result.code, 0, result.stderr);
  for (const source of ['aws', 'azure', 'github', 'jira', 'meraki', 'shopify', 'slack', 'stripe']) {
    assert.match(result.stdout, new RegExp(`^${source}: \\d+ lines? \\(`, 'm'));
  }
});

test('genhook render - prints the message for a named line or from identifying headers', async () => {
  const named = await runCli(['render', 'github.pull_request', 'fixtures/github/pull-request-opened.json']);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /^GitHub /);
  const identified = await runCli(['render', 'fixtures/github/pull-request-opened.json', '--header', 'X-GitHub-Event: pull_request']);
  assert.equal(identified.code, 0, identified.stderr);
  assert.equal(identified.stdout, named.stdout);
});

test('SIGTERM - new webhooks get 503, queued alerts drain to SL1, exit 0', async () => {
  const sl1 = await startFakeSl1();
  // 40 alerts, 2 at a time, 200 ms each: the drain lasts about 4 s, and the listener stays open until it ends.
  sl1.respondWith(201, { delayMs: 200 });
  const { settingsFile, webhooksFile } = await configDir(
    { sl1_api_url: `${sl1.url}/api/alert`, max_worker_threads: 2, shutdown_grace_period: '20s' },
    SEQ_LINE,
  );
  const genhook = await serveChild(settingsFile, webhooksFile);
  const accepted = await Promise.all(Array.from({ length: 40 }, (_, seq) => send(`${genhook.url}/webhook/burst`, { seq })));
  assert.ok(accepted.every((response) => response.status === 202));
  genhook.child.kill('SIGTERM');
  await eventually('the drain to begin', () => genhook.output().includes('shutting down'), { intervalMs: 10 });
  const late = await send(`${genhook.url}/webhook/burst`, { seq: 999 });
  assert.equal(late.status, 503, 'a webhook arriving during the drain is refused, not queued');
  assert.equal(await genhook.exited, 0);
  assert.equal(sl1.received.length, 40, 'every queued alert reached SL1 before exit');
  await sl1.close();
});

test('kill -9 mid-burst, restart: every 2xx-acknowledged alert reaches SL1', async () => {
  const sl1 = await startFakeSl1();
  sl1.hang(); // SL1 stalls, so acknowledged alerts are still queued when the process dies.
  const { settingsFile, webhooksFile } = await configDir(
    { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '2s', max_worker_threads: 4 },
    SEQ_LINE,
  );
  const first = await serveChild(settingsFile, webhooksFile);
  const acknowledged = new Set<number>();
  let seq = 0;
  const sender = async (): Promise<void> => {
    for (;;) {
      const mine = seq++;
      const response = await send(`${first.url}/webhook/burst`, { seq: mine }).catch(() => undefined);
      if (!response) return; // the process is gone
      if (response.status === 202) acknowledged.add(mine);
    }
  };
  const senders = Array.from({ length: 8 }, sender);
  await eventually('300 acknowledged alerts', () => acknowledged.size >= 300, { intervalMs: 5 });
  first.child.kill('SIGKILL');
  await Promise.all(senders);
  await first.exited;

  sl1.respondWith(201);
  const second = await serveChild(settingsFile, webhooksFile);
  const arrived = (): Set<number> =>
    new Set(sl1.received.map((request) => Number(/Burst alert (\d+)/.exec(String(request.body?.['message']))?.[1])));
  await eventually('every acknowledged alert at SL1', () => [...acknowledged].every((n) => arrived().has(n)), { timeoutMs: 30_000, intervalMs: 50 }).catch(() => undefined);
  const lost = [...acknowledged].filter((n) => !arrived().has(n));
  assert.deepEqual(lost, [], `${acknowledged.size} acknowledged before kill -9; lost after restart: ${lost.length}`);
  second.child.kill('SIGTERM');
  await second.exited;
  await sl1.close();
});

test('a second signal exits at once; what was journaled is delivered after a restart', async () => {
  const sl1 = await startFakeSl1();
  sl1.hang();
  const { settingsFile, webhooksFile } = await configDir(
    { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '30s', max_worker_threads: 2, shutdown_grace_period: '60s' },
    SEQ_LINE,
  );
  const first = await serveChild(settingsFile, webhooksFile);
  const accepted = await Promise.all(Array.from({ length: 10 }, (_, seq) => send(`${first.url}/webhook/burst`, { seq })));
  assert.ok(accepted.every((response) => response.status === 202));
  first.child.kill('SIGTERM');
  // The first signal starts a drain that cannot finish (SL1 hangs, 60 s grace); wait until it has begun.
  await eventually('the drain to begin', () => first.output().includes('shutting down'), { intervalMs: 10 });
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 1, 'the second signal ends the process without waiting for the grace period');

  sl1.respondWith(201);
  const second = await serveChild(settingsFile, webhooksFile);
  await sl1.waitFor(10, 15_000);
  const delivered = new Set(sl1.received.map((request) => String(request.body?.['message'])));
  for (let seq = 0; seq < 10; seq += 1) assert.ok(delivered.has(`Burst alert ${seq}`), `alert ${seq} delivered after the restart`);
  second.child.kill('SIGTERM');
  await second.exited;
  await sl1.close();
});
