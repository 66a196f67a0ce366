/**
 * Dispatcher.reconfigure(): new options reach a running dispatcher without losing an alert. Real sockets to
 * fake SL1s; a "gate" holds requests at the fake until the test answers them, so nothing depends on timing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '../src/alert.js';
import type { BreakerState } from '../src/deliver/breaker.js';
import { createDispatcher, type Dispatcher } from '../src/deliver/dispatcher.js';
import { resolveDispatcherOptions, type DeadLetterEvent, type DispatcherOptions } from '../src/deliver/dispatcher-options.js';
import { DeliveryOptionError } from '../src/deliver/errors.js';
import { diffDispatcherOptions } from '../src/deliver/options-diff.js';
import { createSl1Client, Sl1ClientClosedError } from '../src/deliver/sl1-client.js';
import { makeTestAlert, type FakeReply, type FakeSl1, withFakeSl1s } from './support/fake-sl1.js';
import { createWaiter } from './support/waiter.js';

const BASE = { username: 'genhook', password: 'old-pass', backoff: { baseMs: 10, maxMs: 50 }, random: () => 0.5 } as const;

/** A dispatcher whose hooks record every outcome, with a wait on what was recorded. */
function harness(options: DispatcherOptions) {
  const delivered: { alert: Alert; attempts: number }[] = [];
  const deadLetters: DeadLetterEvent[] = [];
  const logged: Alert[] = [];
  const retries: number[] = [];
  const states: BreakerState[] = [];
  /** dispatcher.inFlight as each attempt starts. */
  const inFlightAtAttempt: number[] = [];
  const { changed, until } = createWaiter();
  const dispatcher: Dispatcher = createDispatcher({ ...BASE, ...options }, {
    onDelivered: (e) => void (delivered.push(e), changed()),
    onDeadLetter: (e) => void (deadLetters.push(e), changed()),
    onLogged: (e) => void (logged.push(e.alert), changed()),
    onRetry: (e) => void (retries.push(e.attempt), changed()),
    onBreakerState: (state) => void (states.push(state), changed()),
    onAttempt: () => void (inFlightAtAttempt.push(dispatcher.inFlight), changed()),
  });
  return { dispatcher, delivered, deadLetters, logged, retries, states, inFlightAtAttempt, until };
}

/** Requests wait at the fake until `release` answers them. */
function gate(fake: FakeSl1) {
  const held: ((reply: FakeReply) => void)[] = [];
  fake.behave(() => new Promise<FakeReply>((resolve) => held.push(resolve)));
  return {
    get size() {
      return held.length;
    },
    release(reply: FakeReply = { status: 201 }) {
      for (const answer of held.splice(0)) answer(reply);
    },
  };
}

const resolved = (options: DispatcherOptions) => resolveDispatcherOptions({ url: 'http://127.0.0.1:1/api/alert', ...options });

test('diffDispatcherOptions() - names what changed and whether the client and breaker are replaced', () => {
  const cases: { name: string; next: DispatcherOptions; changed: string[]; client: boolean; breaker: boolean; mode?: 'log' | 'sl1' }[] = [
    { name: 'nothing', next: {}, changed: [], client: false, breaker: false },
    { name: 'password', next: { password: 'new' }, changed: ['password'], client: true, breaker: false },
    { name: 'url', next: { url: 'http://127.0.0.1:2/api/alert' }, changed: ['url'], client: true, breaker: true },
    { name: 'url unset', next: { url: undefined }, changed: ['url'], client: true, breaker: true, mode: 'log' },
    { name: 'timeout', next: { processingTimeoutMs: 5 }, changed: ['processingTimeoutMs'], client: true, breaker: true },
    { name: 'pool size', next: { maxConcurrent: 2 }, changed: ['maxConcurrent'], client: true, breaker: false },
    { name: 'per source', next: { perSourceConcurrency: { github: 1 } }, changed: ['perSourceConcurrency'], client: false, breaker: false },
    { name: 'retries', next: { retryMaxAttempts: 9, backoff: { baseMs: 5 } }, changed: ['retryMaxAttempts', 'backoff'], client: false, breaker: false },
    { name: 'breaker', next: { breaker: { volumeThreshold: 9 } }, changed: ['breaker'], client: false, breaker: true },
    { name: 'breaker off', next: { breaker: false }, changed: ['breaker'], client: false, breaker: true },
    { name: 'wiring only', next: { now: () => 0, random: () => 0 }, changed: [], client: false, breaker: false },
  ];
  const previous = resolved({ perSourceConcurrency: {}, breaker: {} });
  for (const c of cases) {
    const change = diffDispatcherOptions(previous, resolved(c.next));
    assert.deepEqual(change.changed, c.changed, c.name);
    assert.equal(change.isClientReplaced, c.client, `${c.name}: client`);
    assert.equal(change.isBreakerReset, c.breaker, `${c.name}: breaker`);
    assert.equal(change.mode, c.mode ?? 'sl1', `${c.name}: mode`);
  }
  const logMode = resolveDispatcherOptions({});
  assert.equal(diffDispatcherOptions(logMode, resolveDispatcherOptions({ password: 'x' })).isClientReplaced, false, 'no client in log mode either way');
});

test('createSl1Client().close({ graceful: true }) - the request in progress gets its answer; new sends are refused', () =>
  withFakeSl1s(1, async (fake) => {
    const held = gate(fake);
    const client = createSl1Client({ url: fake.url, username: 'u', password: 'p' });
    const pending = client.send(makeTestAlert());
    await fake.waitForRequests(1);
    let isClosed = false;
    const closing = client.close({ graceful: true }).then(() => (isClosed = true));
    await assert.rejects(client.send(makeTestAlert()), Sl1ClientClosedError);
    assert.equal(isClosed, false, 'still waiting for the request in progress');
    held.release();
    assert.equal((await pending).status, 201);
    await closing;
    assert.equal(fake.requests.length, 1);
  }));

test('.reconfigure() - checks options like createDispatcher: a bad one throws and nothing changes', () =>
  withFakeSl1s(1, async (fake) => {
    const h = harness({ url: fake.url });
    try {
      const bad: DispatcherOptions[] = [
        { url: fake.url, maxConcurrent: 0 },
        { url: 'ftp://sl1.example.com/api/alert', password: 'new-pass' },
        { url: fake.url, password: 'new-pass', breaker: { errorThresholdPercentage: 50.5 } },
        { url: fake.url, perSourceConcurrency: { github: -1 } },
      ];
      for (const options of bad) assert.throws(() => h.dispatcher.reconfigure({ ...BASE, ...options }), DeliveryOptionError, JSON.stringify(options));
      h.dispatcher.offer(makeTestAlert());
      await h.until('delivery', () => h.delivered.length === 1);
      assert.deepEqual(fake.requests.map((r) => r.auth?.password), ['old-pass']);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - new password: later requests carry it; the request in flight on the old pool completes', () =>
  withFakeSl1s(1, async (fake) => {
    const held = gate(fake);
    const h = harness({ url: fake.url, maxConcurrent: 4 });
    try {
      const first = makeTestAlert();
      h.dispatcher.offer(first);
      await fake.waitForRequests(1);
      const change = h.dispatcher.reconfigure({ ...BASE, url: fake.url, maxConcurrent: 4, password: 'new-pass' });
      assert.deepEqual(change, { changed: ['password'], isClientReplaced: true, isBreakerReset: false, isAuthReset: true, mode: 'sl1' });
      h.dispatcher.offer(makeTestAlert());
      await fake.waitForRequests(2);
      held.release();
      await h.until('both delivered', () => h.delivered.length === 2);
      assert.deepEqual(fake.requests.map((r) => r.auth?.password), ['old-pass', 'new-pass']);
      assert.notEqual(fake.requests[0]!.remotePort, fake.requests[1]!.remotePort, 'a new pool, a new socket');
      const old = h.delivered.find((d) => d.alert.id === first.id);
      assert.equal(old?.attempts, 1, 'the old pool finished its request instead of aborting it');
      assert.equal(h.retries.length, 0);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - new url with the breaker open: a fresh closed breaker, held alerts go to the new SL1', () =>
  withFakeSl1s(2, async (down, up) => {
    await down.refuse();
    const options = { url: down.url, retryMaxAttempts: 50, breaker: { volumeThreshold: 2, resetTimeoutMs: 3_600_000 } };
    const h = harness(options);
    try {
      for (let i = 0; i < 3; i++) h.dispatcher.offer(makeTestAlert());
      await h.until('the breaker to open', () => h.dispatcher.breakerState === 'open');
      const change = h.dispatcher.reconfigure({ ...BASE, ...options, url: up.url });
      assert.equal(change.isBreakerReset, true);
      assert.equal(h.dispatcher.breakerState, 'closed');
      assert.equal(h.states.at(-1), 'closed', 'onBreakerState reports the fresh breaker');
      // Without the reset they would wait out the hour-long open breaker.
      await h.until('all three delivered', () => h.delivered.length === 3);
      assert.equal(up.received.length, 3);
      assert.equal(h.deadLetters.length, 0);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - maxConcurrent lowered: attempts in flight finish, then one at a time', () =>
  withFakeSl1s(1, async (fake) => {
    const h = harness({ url: fake.url, maxConcurrent: 3 });
    try {
      // SL1 accepts the credentials first (until then one request goes at a time).
      h.dispatcher.offer(makeTestAlert());
      await h.until('the first delivered', () => h.delivered.length === 1);
      const held = gate(fake);
      for (let i = 0; i < 6; i++) h.dispatcher.offer(makeTestAlert());
      await fake.waitForRequests(4);
      h.dispatcher.reconfigure({ ...BASE, url: fake.url, maxConcurrent: 1 });
      fake.respondWith(201);
      held.release();
      await h.until('six delivered', () => h.delivered.length === 7);
      assert.deepEqual(h.inFlightAtAttempt.slice(1, 4), [1, 2, 3]);
      // Counted by the dispatcher, not at the fake: the new pool's single socket alone would serialize requests there.
      assert.deepEqual(h.inFlightAtAttempt.slice(4), [1, 1, 1]);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - per-source limit added live: that source runs one at a time from its next alert', () =>
  withFakeSl1s(1, async (fake) => {
    fake.respondWith(201, { delayMs: 30 });
    const h = harness({ url: fake.url, maxConcurrent: 10 });
    try {
      h.dispatcher.reconfigure({ ...BASE, url: fake.url, maxConcurrent: 10, perSourceConcurrency: { beta: 1 } });
      for (let i = 0; i < 4; i++) {
        h.dispatcher.offer(makeTestAlert({ source: 'beta', message: `beta ${i}` }));
        h.dispatcher.offer(makeTestAlert({ source: 'gamma', message: `gamma ${i}` }));
      }
      await h.until('eight delivered', () => h.delivered.length === 8);
      const max = fake.maxConcurrentBy((r) => String(r.body?.['message']).split(' ')[0]);
      assert.equal(max.get('beta'), 1);
      assert.ok((max.get('gamma') ?? 0) > 1, 'the unlimited source still runs in parallel (the check can fail)');
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - retryMaxAttempts lowered: an alert waiting for its retry stops at the new limit', () =>
  withFakeSl1s(1, async (fake) => {
    fake.respondWith(503);
    const h = harness({ url: fake.url, retryMaxAttempts: 6, backoff: { baseMs: 50, maxMs: 50 } });
    try {
      h.dispatcher.offer(makeTestAlert());
      await h.until('a planned retry', () => h.retries.length === 1);
      h.dispatcher.reconfigure({ ...BASE, url: fake.url, retryMaxAttempts: 2, backoff: { baseMs: 50, maxMs: 50 } });
      await h.until('the dead letter', () => h.deadLetters.length === 1);
      assert.equal(h.deadLetters[0]!.reason, 'retries_exhausted');
      assert.equal(h.deadLetters[0]!.attempts, 2);
      assert.equal(fake.requests.length, 2);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - maxAlertAgeMs lowered: a held alert expires at its next check', () =>
  withFakeSl1s(1, async (fake) => {
    const h = harness({ url: fake.url });
    try {
      h.dispatcher.pause();
      h.dispatcher.offer(makeTestAlert({ receivedAt: Date.now() - 60_000 }));
      h.dispatcher.reconfigure({ ...BASE, url: fake.url, maxAlertAgeMs: 30_000 });
      await h.until('the expiry', () => h.deadLetters.length === 1);
      assert.equal(h.deadLetters[0]!.reason, 'expired');
      assert.equal(fake.requests.length, 0);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.reconfigure() - url unset: waiting alerts are logged when a worker takes them; url set again: sent to SL1', () =>
  withFakeSl1s(1, async (fake) => {
    fake.respondWith(503);
    const options = { url: fake.url, retryMaxAttempts: 5, backoff: { baseMs: 3_600_000, maxMs: 3_600_000 } };
    const h = harness(options);
    try {
      h.dispatcher.offer(makeTestAlert());
      h.dispatcher.offer(makeTestAlert());
      await h.until('two planned hour-long retries', () => h.retries.length === 2);
      assert.equal(h.dispatcher.reconfigure({ ...BASE, ...options, url: undefined }).mode, 'log');
      await h.until('both logged', () => h.logged.length === 2);
      h.dispatcher.offer(makeTestAlert());
      await h.until('the new one logged', () => h.logged.length === 3);
      fake.respondWith(201);
      h.dispatcher.reconfigure({ ...BASE, ...options });
      h.dispatcher.offer(makeTestAlert());
      await h.until('delivered to SL1', () => h.delivered.length === 1);
      assert.equal(fake.requests.length, 3, 'two 503s, then the one sent after SL1 mode came back');
      assert.equal(h.deadLetters.length, 0);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('.close() - aborts requests on a replaced pool too; reconfigure() afterwards does nothing', () =>
  withFakeSl1s(1, async (fake) => {
    gate(fake);
    const h = harness({ url: fake.url });
    h.dispatcher.offer(makeTestAlert());
    await fake.waitForRequests(1);
    h.dispatcher.reconfigure({ ...BASE, url: fake.url, password: 'new-pass' });
    await h.dispatcher.close(); // the held request on the replaced pool is aborted, not waited for
    assert.equal(h.delivered.length + h.deadLetters.length, 0, 'the alert stays for the journal');
    assert.deepEqual(h.dispatcher.reconfigure({ ...BASE, url: fake.url, password: 'other' }).changed, []);
  }));
