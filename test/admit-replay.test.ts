/**
 * Replays do not slip in: seen delivery ids persist in data_dir (a GitHub delivery replayed after a restart is a
 * duplicate), and for a source with a secret a re-sent signed body is a duplicate whatever delivery id or
 * unsigned header comes with it (GitHub, Shopify and Jira sign the body only).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { startTestGenHook } from './support/genhook.js';
import { tempDir } from './support/temp-dir.js';

const GITHUB = 'github: action::GitHub $action$\n';
const SHOPIFY = 'shopify: id::Shopify order $id$\n';
const githubSignature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const shopifySignature = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');

test('a GitHub delivery replayed after a restart is answered duplicate (seen ids persist in data_dir)', async () => {
  const first = await startTestGenHook({ webhooks: GITHUB });
  const headers = { 'x-github-event': 'issues', 'x-github-delivery': 'replayed-1' };
  assert.equal((await first.post('/webhook/github', { action: 'opened' }, headers)).status, 202);
  await first.close();

  const second = await startTestGenHook({ dir: first.dir, keepFiles: true });
  try {
    const replay = await second.post('/webhook/github', { action: 'opened' }, headers);
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.json['status'], 'duplicate');
    assert.equal((await second.post('/webhook/github', { action: 'opened' }, { ...headers, 'x-github-delivery': 'fresh-2' })).status, 202);
  } finally {
    await second.close();
  }
});

test('GitHub with a secret: the same signed body with a new or missing delivery id is a duplicate, also after a restart', async () => {
  const secret = 'gh-secret';
  const first = await startTestGenHook({ webhooks: GITHUB, settings: { github_secret: secret } });
  const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
  const signed = { 'x-github-event': 'issues', 'x-hub-signature-256': githubSignature(secret, body) };
  assert.equal((await first.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'd-1' })).status, 202);
  const newId = await first.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'd-2' });
  assert.equal(newId.status, 200, newId.text);
  assert.equal(newId.json['status'], 'duplicate');
  const noId = await first.post('/webhook/github', body, signed);
  assert.equal(noId.json['status'], 'duplicate');
  await first.close();

  const second = await startTestGenHook({ dir: first.dir, keepFiles: true });
  try {
    const afterRestart = await second.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'd-3' });
    assert.equal(afterRestart.json['status'], 'duplicate', afterRestart.text);
    const other = JSON.stringify({ action: 'closed', issue: { number: 7 } });
    const fresh = await second.post('/webhook/github', other, { 'x-github-event': 'issues', 'x-hub-signature-256': githubSignature(secret, other), 'x-github-delivery': 'd-4' });
    assert.equal(fresh.status, 202, 'a different body is a different event');
  } finally {
    await second.close();
  }
});

test('Shopify: a captured body re-sent with X-Shopify-Topic swapped to orders/cancelled is a duplicate', async (t) => {
  const secret = 'shop-secret';
  const server = await startTestGenHook({ webhooks: SHOPIFY, settings: { shopify_secret: secret } });
  t.after(() => server.close());
  const body = JSON.stringify({ id: 820982911946154500, total_price: '10.00' });
  const headers = { 'x-shopify-hmac-sha256': shopifySignature(secret, body), 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': 'e-1' };
  assert.equal((await server.post('/webhook/shopify', body, headers)).status, 202);
  const swapped = await server.post('/webhook/shopify', body, { ...headers, 'x-shopify-topic': 'orders/cancelled', 'x-shopify-event-id': 'e-2' });
  assert.equal(swapped.status, 200, swapped.text);
  assert.equal(swapped.json['status'], 'duplicate');
});

test('<source>_dedup = id turns body dedup off; a bad value names the key', async (t) => {
  const secret = 'gh-secret';
  const server = await startTestGenHook({ webhooks: GITHUB, settings: { github_secret: secret, github_dedup: 'id' } });
  t.after(() => server.close());
  const body = JSON.stringify({ action: 'opened' });
  const signed = { 'x-github-event': 'issues', 'x-hub-signature-256': githubSignature(secret, body) };
  assert.equal((await server.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'a' })).status, 202);
  assert.equal((await server.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'b' })).status, 202);
  assert.equal((await server.post('/webhook/github', body, { ...signed, 'x-github-delivery': 'b' })).json['status'], 'duplicate');
  await assert.rejects(startTestGenHook({ webhooks: GITHUB, settings: { github_dedup: 'sometimes' } }), /github_dedup = "sometimes" is not valid: expected one of id, body, both/);
});

test('seen keys survive compaction: the rewritten journal carries what the dedup cache still holds', async () => {
  const { join } = await import('node:path');
  const { openJournal } = await import('../src/enqueue/journal.js');
  const { DedupCache } = await import('../src/admit/index.js');
  const dir = await tempDir('genhook-seen-');
  const cache = new DedupCache({ windowMs: 3_600_000, maxEntries: 1000 });
  const { journal } = await openJournal({ dir, compactAfterBytes: 4096, isSeen: (key) => cache.has(key, Date.now()) });
  const now = Date.now();
  for (let n = 0; n < 200; n += 1) {
    const alert = { id: `s:${n}`, requestId: 'r', source: 's', event: undefined, message: `m ${n} ${'x'.repeat(50)}`, fields: {}, receivedAt: now };
    await journal.append(alert, [{ key: `s:${n}`, at: now }]);
    cache.record(`s:${n}`, now);
    journal.complete(alert.id);
  }
  await journal.close();
  assert.ok(journal.stats.compactions > 0, 'the journal was compacted');
  const restored = new DedupCache({ windowMs: 3_600_000, maxEntries: 1000 });
  const reopened = await openJournal({ dir, onSeen: (key, at) => restored.record(key, at) });
  await reopened.journal.close();
  for (const n of [0, 99, 199]) assert.equal(restored.has(`s:${n}`, Date.now()), true, `s:${n} still seen`);
});
