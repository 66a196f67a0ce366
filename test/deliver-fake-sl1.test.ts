import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { startFakeSl1 } from './support/fake-sl1.js';

async function post(url: string, body: object): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('me:pw').toString('base64')}` },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('startFakeSl1() - records requests, echoes 2xx like SL1, scripted answers in order', async () => {
  const fake = await startFakeSl1();
  try {
    fake.failTimes(2, 502);
    fake.rateLimit(1, 3);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(fake.url, { message: `m${i}` })).status);
    assert.deepEqual(statuses, [502, 502, 429, 201]);
    assert.equal(fake.requests[2]!.status, 429);
    assert.deepEqual(fake.requests[0]!.auth, { username: 'me', password: 'pw' });
    assert.deepEqual(fake.received.map((r) => r.body?.message), ['m3']);
    const echo = await post(fake.url, { message: 'x', message_time: '0' });
    assert.equal(JSON.parse(echo.text).message, 'x');
    assert.notEqual(JSON.parse(echo.text).message_time, '0');
    fake.reject(400, { error: 'no' });
    assert.equal((await post(fake.url, {})).status, 400);
    fake.behave((req, n) => ({ status: n % 2 === 0 ? 202 : 500, body: { n, path: req.path } }));
    const fn = await post(fake.url, {});
    assert.deepEqual(JSON.parse(fn.text), { n: 7, path: '/api/alert' });
    await fake.waitFor(1);
    await assert.rejects(fake.waitFor(10, 20), /timed out after 20 ms waiting for 10 accepted alerts/);
  } finally {
    await fake.close();
  }
});

test('startFakeSl1() - refuse() refuses connections, restore() listens on the same port again', async () => {
  const fake = await startFakeSl1();
  try {
    await post(fake.url, {});
    await fake.refuse();
    await assert.rejects(post(fake.url, {}), (err: Error & { code?: string; cause?: { code?: string } }) =>
      err.code === 'ECONNREFUSED' || err.cause?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(err)));
    await fake.restore();
    assert.equal((await post(fake.url, {})).status, 201);
    assert.equal(fake.requests.length, 2);
  } finally {
    await fake.close();
  }
});

test('startFakeSl1() - concurrency observed overall and per key', async () => {
  const fake = await startFakeSl1();
  try {
    // Long enough for the three posts to overlap on a loaded machine.
    fake.respondWith(201, { delayMs: 500 });
    await Promise.all([post(fake.url, { k: 'a' }), post(fake.url, { k: 'a' }), post(fake.url, { k: 'b' })]);
    assert.equal(fake.maxConcurrent, 3);
    assert.equal(fake.concurrent, 0);
    const byKey = fake.maxConcurrentBy((r) => r.body?.k as string);
    assert.equal(byKey.get('a'), 2);
    assert.equal(byKey.get('b'), 1);
  } finally {
    await fake.close();
  }
});
