import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSl1Client } from '../src/deliver/sl1-client.js';
import { makeTestAlert, startFakeSl1 } from './support/fake-sl1.js';

test('createSl1Client() - answers come back with status, x-em7 headers and a bounded excerpt', async () => {
  const fake = await startFakeSl1();
  const client = createSl1Client({ url: fake.url, username: 'u', password: 'p', connections: 2, timeoutMs: 5000 });
  try {
    fake.reject(422, 'y'.repeat(3 * 1024 * 1024), { 'X-EM7-status-message': 'bad resource', 'x-other': 'no' });
    const response = await client.send(makeTestAlert());
    assert.equal(response.status, 422);
    assert.deepEqual(response.em7Headers, { 'x-em7-status-message': 'bad resource' });
    assert.equal(response.bodyExcerpt, 'y'.repeat(512));
    assert.ok(response.durationMs >= 0);
  } finally {
    await client.close();
    await fake.close();
  }
});

test('createSl1Client() - bodies are read to the end, so one keep-alive socket serves every request', async () => {
  const fake = await startFakeSl1();
  const client = createSl1Client({ url: fake.url, username: 'u', password: 'p', connections: 1 });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await client.send(makeTestAlert())).status, 201);
    assert.equal(new Set(fake.requests.map((r) => r.remotePort)).size, 1);
  } finally {
    await client.close();
    await fake.close();
  }
});

test('createSl1Client() - query string kept, abort signal honoured', async () => {
  const fake = await startFakeSl1();
  const client = createSl1Client({ url: `${fake.url}?hide_filterinfo=1`, username: 'u', password: 'p' });
  try {
    await client.send(makeTestAlert());
    assert.equal(fake.requests[0]!.path, '/api/alert?hide_filterinfo=1');
    fake.hang();
    const controller = new AbortController();
    const pending = client.send(makeTestAlert(), controller.signal);
    await fake.waitForRequests(2);
    controller.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
  } finally {
    await client.close();
    await fake.close();
  }
});

test('createSl1Client() - timeoutMs bounds a request SL1 never answers', async () => {
  const fake = await startFakeSl1();
  fake.hang();
  const client = createSl1Client({ url: fake.url, username: 'u', password: 'p', timeoutMs: 100 });
  try {
    await assert.rejects(client.send(makeTestAlert()), (err: Error) => err.name === 'TimeoutError' || /timeout/i.test(err.message));
  } finally {
    await client.close();
    await fake.close();
  }
});
