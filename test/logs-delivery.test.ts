/**
 * Logs answer "what did we send?": the delivered line carries the message (first 200 characters), SL1's
 * status and the Location it returned; a breaker transition is one line, not two. Real GenHook, fake SL1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { sl1IdOf } from '../src/deliver/sl1-client.js';

test('logs - delivered line: message (first 200 characters), status, Location', () =>
  withFakeSl1(async (sl1) => {
    sl1.respondWith(201, { headers: { location: '/api/alert/4711' } });
    const server = await startTestGenHook({ webhooks: 'app: text::$text$\n', settings: { sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p' } });
    try {
      const text = 'x'.repeat(250);
      await server.post('/webhook/app', { text });
      const delivered = () => server.logs.find((line) => line['msg'] === 'alert delivered to SL1');
      await waitUntil(() => delivered() !== undefined, 'the delivered line');
      assert.equal(delivered()?.['message'], 'x'.repeat(200));
      assert.equal(delivered()?.['status'], 201);
      assert.equal(delivered()?.['location'], '/api/alert/4711');
    } finally {
      await server.close();
    }
  }));

test('logs - delivered line: the id SL1 returned in its JSON body, next to Location', () =>
  withFakeSl1(async (sl1) => {
    sl1.behave((req) => ({ status: 201, headers: { location: '/api/alert/77' }, body: { ...req.body, id: 77, uri: '/api/alert/77' } }));
    const server = await startTestGenHook({ webhooks: 'app: text::$text$\n', settings: { sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p' } });
    try {
      await server.post('/webhook/app', { text: 'disk full' });
      const delivered = () => server.logs.find((line) => line['msg'] === 'alert delivered to SL1');
      await waitUntil(() => delivered() !== undefined, 'the delivered line');
      assert.equal(delivered()?.['sl1Id'], '77');
      assert.equal(delivered()?.['location'], '/api/alert/77');
      // SL1's documented answer (the alert echoed, no id): no sl1Id, nothing invented.
      sl1.behave({ status: 201 });
      await server.post('/webhook/app', { text: 'disk fuller' });
      await waitUntil(() => server.logs.filter((line) => line['msg'] === 'alert delivered to SL1').length === 2, 'the second delivered line');
      const second = server.logs.filter((line) => line['msg'] === 'alert delivered to SL1')[1];
      assert.equal(second?.['message'], 'disk fuller');
      assert.equal('sl1Id' in (second ?? {}), false);
    } finally {
      await server.close();
    }
  }));

test('logs - sl1IdOf reads a top-level id, alert_id or uri of a whole JSON object only', () => {
  assert.equal(sl1IdOf('{"id":4711,"message":"x"}'), '4711');
  assert.equal(sl1IdOf('{"alert_id":"a-1"}'), 'a-1');
  assert.equal(sl1IdOf('{"uri":"/api/alert/9"}'), '/api/alert/9');
  assert.equal(sl1IdOf('{"message":"\\"id\\": 5","aligned_resource":"/api/device/2"}'), undefined);
  assert.equal(sl1IdOf('{"device":{"id":3}}'), undefined);
  assert.equal(sl1IdOf('{"id":4711,"message":"cut at the read lim'), undefined);
  assert.equal(sl1IdOf('[{"id":1}]'), undefined);
  assert.equal(sl1IdOf('{"id":"bad\\u001b[2J"}'), undefined);
});

test('logs - a breaker transition is logged once', () =>
  withFakeSl1(async (sl1) => {
    sl1.respondWith(503);
    const server = await startTestGenHook({
      webhooks: 'app: n::App $n$\n',
      settings: { sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p', breaker_volume_threshold: 2, breaker_reset_timeout: '1h', retry_base_delay: '10ms', retry_max_delay: '20ms', retry_max_attempts: 10 },
    });
    try {
      for (let n = 0; n < 4; n++) await server.post('/webhook/app', { n });
      await waitUntil(() => server.genhook.dispatcher.breakerState === 'open', 'the breaker to open');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(server.logs.filter((line) => line['msg'] === 'SL1 circuit breaker open').length, 1);
    } finally {
      await server.close();
    }
  }));

test('logs - a refused webhook line carries the client address, user agent and the provider delivery id', async () => {
  const server = await startTestGenHook({ webhooks: 'app: n::App $n$\n', settings: { app_secret: 's'.repeat(32), app_signature: 'bearer' } });
  try {
    const answer = await server.post('/webhook/app', { n: 1 }, { 'user-agent': 'GitHub-Hookshot/abc', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
    assert.equal(answer.status, 401);
    const refused = server.logs.find((line) => line['msg'] === 'webhook refused');
    assert.equal(refused?.['clientAddress'], '127.0.0.1');
    assert.equal(refused?.['userAgent'], 'GitHub-Hookshot/abc');
    assert.equal(refused?.['deliveryId'], '72d3162e-cc78-11e3-81ab-4c9367dc0958');
  } finally {
    await server.close();
  }
});

test('logs - in log mode "webhook queued" comes before the alert line', async () => {
  const server = await startTestGenHook({ webhooks: 'app: n::App $n$\n' });
  try {
    const answer = await server.post('/webhook/app', { n: 1 });
    assert.equal(answer.status, 202);
    const alertLine = () => server.logs.findIndex((line) => line['msg'] === 'alert (log mode, not delivered)');
    await waitUntil(() => alertLine() !== -1, 'the log-mode alert line');
    const queued = server.logs.findIndex((line) => line['msg'] === 'webhook queued');
    assert.notEqual(queued, -1, 'a "webhook queued" line');
    assert.ok(queued < alertLine(), `"webhook queued" (line ${queued}) before the alert line (line ${alertLine()})`);
    assert.equal(server.logs[queued]?.['alertId'], server.logs[alertLine()]?.['alertId']);
  } finally {
    await server.close();
  }
});
