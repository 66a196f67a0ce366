/**
 * GET /metrics across a scripted run against a fake SL1: every counter moves by exactly what happened,
 * made-up sources and events cannot grow the label sets, and one webhook can be followed in the logs from
 * receipt through each attempt to SL1's answer or the dead-letter file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeSl1, type FakeReply, type RecordedRequest } from './support/fake-sl1.js';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';
import { scrape, type Exposition } from './support/metrics-text.js';
import { eventually } from './support/eventually.js';

const WEBHOOKS = [
  'acme: status,service{name}::Acme $service.name$ is $status$',
  'github.push: ref::GitHub push $ref$',
  '',
].join('\n');

async function scrapeUntil(server: TestGenHook, done: (metrics: Exposition) => boolean, what: string): Promise<Exposition> {
  return eventually(what, async () => {
    const metrics = await scrape(server.url);
    return done(metrics) ? metrics : undefined;
  });
}

/** SL1 answers by what the message says: `flaky` fails once, `reject` is 400, `down` is always 503. */
function scriptedSl1(req: RecordedRequest): FakeReply {
  const message = String(req.body?.['message'] ?? '');
  if (message.includes('reject')) return { status: 400, body: { error: 'bad alert' } };
  if (message.includes('down')) return { status: 503 };
  return { status: 201 };
}

test('metrics - a scripted run moves received, queued, delivered, dead-lettered, retries and missing fields by exactly that much', async () => {
  const sl1 = await startFakeSl1();
  let flakyFailures = 0;
  sl1.behave((req) => (String(req.body?.['message']).includes('flaky') && flakyFailures++ === 0 ? { status: 500 } : scriptedSl1(req)));
  const server = await startTestGenHook({
    webhooks: WEBHOOKS,
    settings: { sl1_api_url: sl1.url, retry_max_attempts: 2, retry_base_delay: '10ms', retry_max_delay: '20ms', breaker_volume_threshold: 1000 },
  });
  try {
    const before = await scrape(server.url);
    assert.equal(before.value('genhook_dead_letters_total', { source: 'acme', reason: 'permanent' }), 0);
    assert.equal(before.series('genhook_dead_letters_total').length, 6, 'per-source series exist at 0 from the start');

    const posts = [
      server.post('/webhook/acme', { status: 'ok', service: { name: 'api' } }),
      server.post('/webhook/acme', { status: 'flaky' }), // one missing field, one retry, then delivered
      server.post('/webhook/acme', { status: 'reject', service: { name: 'db' } }), // 400: dead-lettered at once
      server.post('/webhook/acme', { status: 'down', service: { name: 'web' } }), // 503 twice: retries exhausted
      server.post('/webhook/github', { ref: 'main' }, { 'x-github-event': 'push', 'x-github-delivery': 'm-1' }),
      server.post('/webhook/github', { zen: 'hi' }, { 'x-github-event': 'star' }), // no line: ignored
      server.post('/webhook/nowhere', { a: 1 }), // unknown source: rejected
    ];
    const statuses = (await Promise.all(posts)).map((response) => response.status);
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 200, 404]);
    assert.equal((await server.post('/webhook/github', { ref: 'main' }, { 'x-github-event': 'push', 'x-github-delivery': 'm-1' })).json['status'], 'duplicate');

    const after = await scrapeUntil(
      server,
      // The journal forgets a completed alert when its `done` record is written (group commit), a moment later.
      (m) => m.value('genhook_alerts_delivered_total') === 3 && m.value('genhook_dead_letters_total') === 2 && m.value('genhook_journal_pending') === 0,
      '3 delivered, 2 dead-lettered and the journal empty',
    );
    const received = (labels: Record<string, string>): number => after.value('genhook_webhooks_received_total', labels);
    assert.equal(received({ source: 'acme', event: 'acme', outcome: 'queued' }), 4);
    assert.equal(received({ source: 'github', event: 'github.push', outcome: 'queued' }), 1);
    assert.equal(received({ source: 'github', outcome: 'duplicate' }), 1);
    assert.equal(received({ source: 'github', outcome: 'ignored' }), 1);
    assert.equal(received({ source: 'unknown', outcome: 'rejected', reason: 'unknown_source' }), 1);
    assert.equal(after.value('genhook_alerts_delivered_total', { source: 'acme', mode: 'sl1' }), 2);
    assert.equal(after.value('genhook_alerts_delivered_total', { source: 'github', mode: 'sl1' }), 1);
    assert.equal(after.value('genhook_dead_letters_total', { source: 'acme', reason: 'permanent' }), 1);
    assert.equal(after.value('genhook_dead_letters_total', { source: 'acme', reason: 'retries_exhausted' }), 1);
    assert.equal(after.value('genhook_delivery_retries_total', { source: 'acme' }), 2);
    assert.equal(after.value('genhook_template_missing_fields_total', { source: 'acme' }), 1);
    assert.equal(after.value('genhook_sl1_requests_total', { status_class: '2xx' }), 3);
    assert.equal(after.value('genhook_sl1_requests_total', { status_class: '4xx' }), 1);
    assert.equal(after.value('genhook_sl1_requests_total', { status_class: '5xx' }), 3);
    assert.equal(after.value('genhook_sl1_request_duration_seconds_count'), 7);
    assert.equal(after.value('genhook_delivery_latency_seconds_count', { source: 'acme' }), 2);
    assert.equal(after.value('genhook_http_request_duration_seconds_count', { route: '/webhook/:source' }), 8);
    assert.equal(after.value('genhook_circuit_breaker_state'), 0);
    assert.equal(after.value('genhook_queue_capacity'), 10_000);
    assert.equal(after.value('genhook_delivery_workers'), 50);
    assert.equal(after.value('genhook_journal_pending'), 0);
    assert.equal(sl1.requests.length, 7);
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('metrics - 200 made-up sources, events and paths do not grow the label sets', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS });
  try {
    const seriesCount = async (): Promise<number> => (await scrape(server.url)).samples.filter((s) => s.name.startsWith('genhook_') && !s.name.startsWith('genhook_process') && !s.name.startsWith('genhook_nodejs')).length;
    // Warm up every kind of answer once, so the count below measures growth only.
    await server.post('/webhook/made-up-warm', {});
    await server.post('/webhook/github', { ref: 'x' }, { 'x-github-event': 'warm-event' });
    await fetch(`${server.url}/random-warm`);
    await scrape(server.url);
    const warm = await seriesCount();
    for (let n = 0; n < 200; n++) {
      assert.equal((await server.post(`/webhook/made-up-${n}`, { a: n })).status, 404);
      assert.equal((await server.post('/webhook/github', { ref: 'x' }, { 'x-github-event': `event-${n}` })).status, 200);
      assert.equal((await fetch(`${server.url}/random-path-${n}`)).status, 404);
    }
    const metrics = await scrape(server.url);
    assert.equal(await seriesCount(), warm, 'no new series from made-up names');
    const values = metrics.samples.flatMap((s) => Object.values(s.labels));
    assert.ok(!values.some((value) => /made-up|event-\d|random-path/.test(value)), 'no made-up name becomes a label value');
    assert.equal(metrics.value('genhook_webhooks_received_total', { source: 'unknown', outcome: 'rejected' }), 201);
    assert.equal(metrics.value('genhook_webhooks_received_total', { source: 'github', outcome: 'ignored' }), 201);
  } finally {
    await server.close();
  }
});

test('logs - one webhook is followed by reqId, alertId, source and event from receipt through each attempt to the dead-letter', async () => {
  const sl1 = await startFakeSl1();
  sl1.behave((req, n) => (n === 1 ? { status: 502 } : scriptedSl1(req)));
  const server = await startTestGenHook({
    webhooks: WEBHOOKS,
    settings: { sl1_api_url: sl1.url, retry_max_attempts: 3, retry_base_delay: '10ms', retry_max_delay: '20ms', breaker_volume_threshold: 1000 },
  });
  try {
    const rejected = await server.post('/webhook/github', { ref: 'reject-me' }, { 'x-github-event': 'push', 'x-github-delivery': 'trace-1', 'x-request-id': 'trace-req-1' });
    assert.equal(rejected.status, 202);
    const delivered = await server.post('/webhook/github', { ref: 'ok' }, { 'x-github-event': 'push', 'x-github-delivery': 'trace-2', 'x-request-id': 'trace-req-2' });
    await scrapeUntil(server, (m) => m.value('genhook_dead_letters_total') === 1 && m.value('genhook_alerts_delivered_total') === 1, 'both outcomes');

    const chain = (reqId: string): Record<string, unknown>[] => server.logs.filter((line) => line['reqId'] === reqId);
    const first = chain('trace-req-1');
    const messages = first.map((line) => line['msg']);
    for (const expected of ['webhook queued', 'SL1 attempt failed', 'SL1 delivery will be retried', 'SL1 rejected the alert; not retried', 'alert dead-lettered']) {
      assert.ok(messages.includes(expected), `"${expected}" in ${JSON.stringify(messages)}`);
    }
    for (const line of first) {
      assert.equal(line['alertId'], rejected.json['id'], String(line['msg']));
      assert.equal(line['source'], 'github', String(line['msg']));
      assert.equal(line['event'], 'push', String(line['msg']));
    }
    const attempts = first.filter((line) => line['attempt'] !== undefined && line['status'] !== undefined).map((line) => [line['attempt'], line['status']]);
    assert.deepEqual(attempts, [[1, 502], [2, 400]], 'each attempt with its SL1 status');
    const deadLetter = first.find((line) => line['msg'] === 'alert dead-lettered');
    assert.deepEqual([deadLetter?.['reason'], deadLetter?.['attempts'], deadLetter?.['status']], ['permanent', 2, 400]);

    const second = chain('trace-req-2');
    assert.deepEqual(second.map((line) => line['msg']), ['webhook queued', 'alert delivered to SL1']);
    assert.ok(second.every((line) => line['alertId'] === delivered.json['id'] && line['source'] === 'github' && line['event'] === 'push'));
  } finally {
    await server.close();
    await sl1.close();
  }
});
