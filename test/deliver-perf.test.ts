import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Alert } from '../src/alert.js';
import { createDispatcher } from '../src/deliver/dispatcher.js';
import type { DeadLetterEvent, DeliveryLogger, DispatcherOptions } from '../src/deliver/dispatcher-options.js';
import { makeTestAlert, type FakeSl1, withFakeSl1 } from './support/fake-sl1.js';
import { createWaiter } from './support/waiter.js';

// What the cheaper delivery path (alerts waiting as data, lazy loggers) must keep.

function harness(options: DispatcherOptions) {
  const delivered: Alert[] = [];
  const deadLetters: DeadLetterEvent[] = [];
  const { changed, until } = createWaiter();
  const dispatcher = createDispatcher(
    { backoff: { baseMs: 10, maxMs: 50 }, random: () => 0.5, ...options },
    {
      onDelivered: (e) => {
        delivered.push(e.alert);
        changed();
      },
      onDeadLetter: (e) => {
        deadLetters.push(e);
        changed();
      },
    },
  );
  return { dispatcher, delivered, deadLetters, until };
}

/** A pino logger at `level` that counts the child loggers made from it. */
function countingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const base = pino({ level }, stream);
  const counts = { children: 0 };
  const logger: DeliveryLogger = {
    debug: (obj, msg) => base.debug(obj, msg),
    info: (obj, msg) => base.info(obj, msg),
    warn: (obj, msg) => base.warn(obj, msg),
    error: (obj, msg) => base.error(obj, msg),
    child: (bindings) => {
      counts.children++;
      return base.child(bindings);
    },
    isLevelEnabled: (l) => base.isLevelEnabled(l),
  };
  return { logger, lines, counts };
}

test('dispatcher - alerts waiting for a slot are sent in arrival order', () =>
  withFakeSl1(async (fake) => {
    const h = harness({ url: fake.url, maxConcurrent: 1 });
    try {
      for (let i = 0; i < 50; i++) h.dispatcher.offer(makeTestAlert({ message: `m${i}` }));
      assert.equal(h.dispatcher.size + h.dispatcher.inFlight, 50);
      assert.equal(await h.dispatcher.drain(10_000), true);
      assert.deepEqual(fake.received.map((r) => r.body?.['message']), Array.from({ length: 50 }, (_, i) => `m${i}`));
    } finally {
      await h.dispatcher.close();
    }
  }));

test('dispatcher - log_level warn: delivered alerts make no child logger; a dead-lettered one logs with its bindings', () =>
  withFakeSl1(async (fake) => {
    const { logger, lines, counts } = countingLogger('warn');
    const h = harness({ url: fake.url, logger });
    try {
      for (let i = 0; i < 20; i++) h.dispatcher.offer(makeTestAlert());
      assert.equal(await h.dispatcher.drain(10_000), true);
      assert.equal(h.delivered.length, 20);
      assert.equal(counts.children, 0);
      fake.reject(400, 'bad');
      const alert = makeTestAlert();
      h.dispatcher.offer(alert);
      assert.equal(await h.dispatcher.drain(10_000), true);
      assert.equal(counts.children, 1);
      const line = lines.find((l) => l['msg'] === 'alert dead-lettered');
      assert.ok(line);
      assert.equal(line['alertId'], alert.id);
      assert.equal(line['reqId'], alert.requestId);
      assert.equal(line['source'], alert.source);
      assert.equal(line['reason'], 'permanent');
    } finally {
      await h.dispatcher.close();
    }
  }));

test('dispatcher - close() with thousands waiting for a slot: resolves, nothing more sent, delivered or dead-lettered', () =>
  withFakeSl1(async (fake) => {
    const h = harness({ url: fake.url, maxConcurrent: 2, queueMaxSize: 5000, processingTimeoutMs: 60_000 });
    // SL1 accepts the credentials once (until then one request goes at a time), then hangs.
    h.dispatcher.offer(makeTestAlert());
    await h.until('the first delivered', () => h.delivered.length === 1);
    fake.hang();
    for (let i = 0; i < 3000; i++) assert.equal(h.dispatcher.offer(makeTestAlert()), true);
    await fake.waitForRequests(3);
    assert.equal(h.dispatcher.inFlight, 2);
    assert.equal(h.dispatcher.size, 2998);
    const drained = h.dispatcher.drain(60_000);
    await h.dispatcher.close();
    assert.equal(await drained, false, 'emptied by close() is not drained');
    assert.equal(fake.requests.length, 3);
    assert.equal(h.delivered.length, 1);
    assert.equal(h.deadLetters.length, 0);
    assert.equal(h.dispatcher.size, 0);
    assert.deepEqual(h.dispatcher.perSource(), {});
  }));

test('.reconfigure() - per-source limit removed live: that source\'s waiting alerts flow on at once', () =>
  withFakeSl1(async (fake) => {
    let answer!: () => void;
    const mayAnswer = new Promise<void>((resolve) => (answer = resolve));
    fake.behave(async (_req, n) => {
      if (n > 1) await mayAnswer; // the first proves the credentials (until then one request goes at a time)
      return { status: 201 };
    });
    const options = { url: fake.url, maxConcurrent: 10, processingTimeoutMs: 30_000 };
    const h = harness({ ...options, perSourceConcurrency: { a: 1 } });
    try {
      h.dispatcher.offer(makeTestAlert({ source: 'b' }));
      await h.until('the first delivered', () => h.delivered.length === 1);
      for (let i = 0; i < 6; i++) h.dispatcher.offer(makeTestAlert({ source: 'a' }));
      await fake.waitForRequests(2);
      assert.deepEqual(h.dispatcher.perSource(), { a: { waiting: 5, inFlight: 1 } });
      h.dispatcher.reconfigure(options);
      await fake.waitForRequests(7); // would time out if the removed limit still held them
      answer();
      assert.equal(await h.dispatcher.drain(10_000), true);
      assert.equal(h.delivered.length, 7);
    } finally {
      answer();
      await h.dispatcher.close();
    }
  }));
