/**
 * A whole GenHook against a fake SL1 that refuses the credentials: one login attempt in all, alerts held in
 * the journal (not dead-lettered), the pause visible in /ready, /health, /metrics and one error line, and
 * delivery resuming on new credentials, POST /admin/delivery/resume, or SIGHUP to a real `genhook serve`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveChild } from './support/child.js';
import { startFakeSl1, withFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';
import { tempDir } from './support/temp-dir.js';

const LINE = 'app: n::App alert $n$\n';

async function postMany(server: { url: string }, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const answer = await send(`${server.url}/webhook/app`, { n });
    assert.equal(answer.status, 202, answer.text);
  }
}

const idle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url: string): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function rewriteSettings(server: TestGenHook, replace: (text: string) => string): Promise<void> {
  const file = join(server.dir, 'settings.ini');
  await writeFile(file, replace(await readFile(file, 'utf8')));
}

test('SL1 answers 401 to 100 queued alerts: exactly 1 SL1 request; a reload with a new password delivers all 100', () =>
  withFakeSl1(async (sl1) => {
    sl1.behave((req) => (req.auth?.password === 'new-password' ? { status: 201 } : { status: 401, headers: { 'x-em7-status-message': 'Authentication failed' } }));
    const server = await startTestGenHook({
      webhooks: LINE,
      settings: { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'old-password', log_level: 'info' },
    });
    try {
      await postMany(server, 100);
      await waitUntil(() => server.genhook.dispatcher.authState.phase === 'paused', 'the auth pause');
      await idle();
      assert.equal(sl1.requests.length, 1, 'one failed login, not one per alert');

      const ready = await getJson(`${server.url}/ready`);
      assert.equal(ready.status, 200, 'still accepting webhooks: they are journaled');
      assert.equal(ready.json['sl1_auth_paused'], true);
      assert.equal(ready.json['sl1Auth']['status'], 401);
      assert.deepEqual(ready.json['sl1Auth']['fix'], ['sl1_username', 'sl1_password']);
      assert.equal(ready.json['journal']['pending'], 100, 'held in the journal');
      const health = await getJson(`${server.url}/health`);
      assert.deepEqual(health.json, { status: 'ok', sl1_auth_paused: true });
      const paused = await scrape(server.url);
      assert.equal(paused.value('genhook_sl1_auth_paused'), 1);
      assert.equal(paused.value('genhook_dead_letters_total'), 0, 'nothing dead-lettered');
      const errors = server.logs.filter((line) => line['level'] === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(String(errors[0]?.['msg']), /sl1_username \/ sl1_password/);

      // A file reload (not an operator's resume): the new password is what lifts the pause.
      await rewriteSettings(server, (text) => text.replace('old-password', 'new-password'));
      const reloaded = await server.genhook.reload('file');
      assert.equal(reloaded.ok, true);
      await sl1.waitFor(100);
      await waitUntil(() => server.genhook.dispatcher.size + server.genhook.dispatcher.inFlight === 0, 'the queue empty');
      assert.equal(sl1.requests.length, 101);
      assert.equal(new Set(sl1.received.map((r) => r.body?.['message'])).size, 100, 'each alert once');
      const after = await scrape(server.url);
      assert.equal(after.value('genhook_sl1_auth_paused'), 0);
      assert.equal(after.value('genhook_alerts_delivered_total', { mode: 'sl1' }), 100);
      assert.equal((await getJson(`${server.url}/health`)).json['sl1_auth_paused'], false);
    } finally {
      await server.close();
    }
  }));

test('POST /admin/delivery/resume: exactly one probe; once SL1 accepts, the held alerts go', () =>
  withFakeSl1(async (sl1) => {
    sl1.respondWith(403, { headers: { 'x-em7-status-message': 'Authentication failed due to lock' } });
    const server = await startTestGenHook({
      webhooks: LINE,
      settings: { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'pw', admin_token: 'tok', sl1_auth_retry_interval: 0 },
    });
    const resume = () => fetch(`${server.url}/admin/delivery/resume`, { method: 'POST', headers: { authorization: 'Bearer tok' } });
    try {
      await postMany(server, 5);
      await waitUntil(() => server.genhook.dispatcher.authState.phase === 'paused', 'the auth pause');
      assert.equal((await getJson(`${server.url}/ready`)).json['sl1Auth']['detail'], 'Authentication failed due to lock');
      // The account is still locked: the resume costs one more login, no more.
      const first = await resume();
      assert.equal(first.status, 200);
      assert.equal(((await first.json()) as { status: string }).status, 'resumed');
      await waitUntil(() => sl1.requests.length === 2 && server.genhook.dispatcher.authState.phase === 'paused', 'the probe refused');
      await idle();
      assert.equal(sl1.requests.length, 2);
      // Unlocked in SL1: resume again and everything goes.
      sl1.respondWith(201);
      assert.equal((await resume()).status, 200);
      await sl1.waitFor(5);
      assert.equal(sl1.requests.length, 7);
      assert.equal((await fetch(`${server.url}/admin/delivery/resume`, { method: 'POST' })).status, 401, 'needs the admin token');
    } finally {
      await server.close();
    }
  }));

test('genhook serve: SIGHUP resumes an SL1 auth pause even when settings.ini did not change', async () => {
  const sl1 = await startFakeSl1();
  sl1.respondWith(401);
  const dir = await tempDir('genhook-auth-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  await writeFile(settingsFile, `server_host = 127.0.0.1\nserver_port = 0\ndata_dir = ${join(dir, 'data')}\nwatch_config = false\nsl1_api_url = ${sl1.url}\nsl1_username = genhook\nsl1_password = pw\n`);
  await writeFile(webhooksFile, LINE);
  const served = await serveChild(settingsFile, webhooksFile);
  try {
    await postMany(served, 3);
    await waitUntil(() => /all delivery to SL1 is paused/.test(served.output()), 'the pause logged');
    assert.equal(sl1.requests.length, 1);
    assert.equal((await getJson(`${served.url}/health`)).json['sl1_auth_paused'], true);
    sl1.respondWith(201);
    served.child.kill('SIGHUP');
    await sl1.waitFor(3);
    assert.equal(sl1.requests.length, 4);
    await waitUntil(() => /auth pause lifted by an operator/.test(served.output()), 'the resume logged');
  } finally {
    served.child.kill('SIGTERM');
    await served.exited;
    await sl1.close();
  }
});
