/**
 * Delivery through a whole GenHook: SL1 refusing (dead-letter with status and excerpt), the queue full (503),
 * and `genhook dlq replay`. Credentials refused: see sl1-auth-pause.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { eventually } from './support/eventually.js';

const LINE = 'app: n::App alert $n$\n';

async function deadLetters(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'data', 'dead-letter.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitForDeadLetters(dir: string, count: number): Promise<Record<string, unknown>[]> {
  return eventually(`${count} dead-letter lines`, async () => {
    const entries = await deadLetters(dir);
    return entries.length >= count ? entries : undefined;
  });
}

test('SL1 answers 400: dead-lettered at once with status and body excerpt, leaves the journal', async () => {
  const sl1 = await startFakeSl1();
  sl1.reject(400, { error: 'bad aligned_resource' });
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert` } });
  try {
    const response = await server.post('/webhook/app', { n: 1 });
    assert.equal(response.status, 202);
    const entries = await waitForDeadLetters(server.dir, 1);
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.['id'], response.json['id']);
    assert.equal(entry?.['reason'], 'permanent');
    assert.equal(entry?.['status'], 400);
    assert.equal(entry?.['attempts'], 1);
    assert.match(String(entry?.['bodyExcerpt']), /bad aligned_resource/);
    assert.equal(entry?.['message'], 'App alert 1');
    assert.equal(sl1.requests.length, 1, 'a permanent answer is not retried');
    // The dead-letter line is on disk before the journal entry is completed, so wait rather than read once.
    await eventually('a dead-lettered alert to leave the journal', async () => {
      const ready = (await (await fetch(`${server.url}/ready`)).json()) as { journal: { pending: number } };
      return ready.journal.pending === 0;
    });
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('queue full: new webhooks get 503 with Retry-After; nothing accepted is dropped', async () => {
  const sl1 = await startFakeSl1();
  sl1.hang();
  const server = await startTestGenHook({
    webhooks: LINE,
    settings: { sl1_api_url: `${sl1.url}/api/alert`, queue_max_size: 5, max_worker_threads: 1, sl1_timeout: '30s' },
  });
  try {
    const answers = [];
    for (let n = 0; n < 8; n += 1) answers.push(await server.post('/webhook/app', { n }));
    const statuses = answers.map((answer) => answer.status);
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 503, 503, 503]);
    const refused = answers[5];
    assert.equal(refused?.json['error']['code'], 'queue_full');
    assert.ok(Number(refused?.headers.get('retry-after')) > 0);
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 503, '/ready reports the full queue');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /genhook_queue_full_total\{source="app",limit="count"\} 3/);
    assert.equal(server.genhook.dispatcher.size + server.genhook.dispatcher.inFlight, 5);
  } finally {
    await server.genhook.shutdown(100);
    await sl1.close();
  }
});

test('genhook dlq list / replay: sends again and removes exactly those SL1 accepted', async () => {
  const sl1 = await startFakeSl1();
  sl1.reject(422, 'no such organization');
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, sl1_username: 'genhook', sl1_password: 'pw' } });
  const ids: string[] = [];
  for (let n = 0; n < 3; n += 1) ids.push((await server.post('/webhook/app', { n })).json['id']);
  await waitForDeadLetters(server.dir, 3);
  await server.close();
  assert.equal((await deadLetters(server.dir)).length, 3);

  const args = ['--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')];
  const listed = await runCli(['dlq', 'list', ...args]);
  assert.equal(listed.code, 0, listed.stderr);
  for (const id of ids) assert.ok(listed.stdout.includes(id), `${id} listed`);

  // SL1 accepts only alert 1 now: replay --all must remove exactly that line.
  sl1.behave((request) => (String(request.body?.['message']) === 'App alert 1' ? { status: 201 } : { status: 500 }));
  const replay = await runCli(['dlq', 'replay', '--all', ...args]);
  assert.equal(replay.code, 1, 'some were not accepted');
  assert.match(replay.stdout, /sent 3, accepted 1, failed 2, not sent 0, remaining in file 2/);
  const left = await deadLetters(server.dir);
  assert.deepEqual(left.map((entry) => entry['message']).sort(), ['App alert 0', 'App alert 2']);

  sl1.respondWith(201);
  const one = await runCli(['dlq', 'replay', '--id', String(left[0]?.['id']), ...args]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal((await deadLetters(server.dir)).length, 1);
  await sl1.close();
});
