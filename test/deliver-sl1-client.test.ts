import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('createSl1Client() - a JSON success gives its id; headers come back lower-cased, a repeated one as a list', async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Location', '/api/alert/4711');
      res.setHeader('X-EM7-Note', ['first', 'second']);
      res.writeHead(201).end('{"id":4711,"message":"Alert created"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createSl1Client({ url: `http://127.0.0.1:${port}/api/alert`, username: 'u', password: 'p' });
  try {
    const response = await client.send(makeTestAlert());
    assert.equal(response.status, 201);
    assert.equal(response.sl1Id, '4711');
    assert.equal(response.headers['location'], '/api/alert/4711');
    assert.deepEqual(response.headers['x-em7-note'], ['first', 'second']);
    assert.deepEqual(response.em7Headers, { 'x-em7-note': 'first, second' });
    assert.equal(response.bodyExcerpt, '');
  } finally {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('createSl1Client() - a request still waiting for a connection ends at timeoutMs and is never sent', async () => {
  const fake = await startFakeSl1();
  const client = createSl1Client({ url: fake.url, username: 'u', password: 'p', connections: 1, timeoutMs: 200 });
  try {
    fake.hang();
    const first = client.send(makeTestAlert({ message: 'first' }));
    const second = client.send(makeTestAlert({ message: 'second' }));
    const isTimeout = (err: Error) => err.name === 'TimeoutError';
    await assert.rejects(first, isTimeout);
    await assert.rejects(second, isTimeout);
    fake.respondWith(201);
    // Queued behind the second on the one connection: answered only once the second was dropped.
    assert.equal((await client.send(makeTestAlert({ message: 'third' }))).status, 201);
    assert.deepEqual(fake.requests.map((r) => r.body?.['message']), ['first', 'third']);
  } finally {
    await client.close();
    await fake.close();
  }
});
