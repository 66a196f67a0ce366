import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBreaker, isBreakerOpenError, type BreakerState } from '../src/deliver/breaker.js';
import { createDispatcher, type Dispatcher } from '../src/deliver/dispatcher.js';
import type { DeadLetterEvent, DispatcherOptions } from '../src/deliver/dispatcher-options.js';
import { DeliveryFailure } from '../src/deliver/errors.js';
import { makeTestAlert, startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { createWaiter } from './support/waiter.js';

/** A dispatcher whose hooks count what the breaker tests need, with an event wait. */
function watch(fake: FakeSl1, options: DispatcherOptions) {
  const states: BreakerState[] = [];
  const deadLetters: DeadLetterEvent[] = [];
  let delivered = 0;
  let attempts = 0;
  let attemptsWhileNotClosed = 0;
  const { changed, until } = createWaiter(20_000);
  const dispatcher: Dispatcher = createDispatcher(
    { url: fake.url, username: 'u', password: 'p', ...options },
    {
      onBreakerState: (state) => {
        states.push(state);
        changed();
      },
      onAttempt: () => {
        attempts++;
        if (dispatcher.breakerState !== 'closed') attemptsWhileNotClosed++;
        changed();
      },
      onDelivered: () => {
        delivered++;
        changed();
      },
      onDeadLetter: (e) => {
        deadLetters.push(e);
        changed();
      },
    },
  );
  return {
    dispatcher, states, deadLetters, until,
    get delivered() { return delivered; },
    get attempts() { return attempts; },
    get attemptsWhileNotClosed() { return attemptsWhileNotClosed; },
  };
}

/** A call the test settles by hand, so "in flight" and "settled" are under its control. */
function deferred() {
  let resolve!: (value: string) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const down = () => new DeliveryFailure({ kind: 'retryable', reason: 'SL1 answered 503' });
const refused = () => new DeliveryFailure({ kind: 'permanent', reason: 'SL1 answered 400', isAuth: false });

test('createBreaker() - the failure rate counts settled calls, not started ones', async () => {
  const states: BreakerState[] = [];
  const breaker = createBreaker({ volumeThreshold: 5, errorThresholdPercentage: 50 }, (s) => states.push(s));
  try {
    const calls = Array.from({ length: 50 }, () => deferred());
    const runs = calls.map((call) => breaker.run(() => call.promise).catch((err: unknown) => err));
    for (const [i, call] of calls.slice(0, 4).entries()) {
      call.reject(down());
      assert.ok((await runs[i]) instanceof DeliveryFailure, 'the caller gets the real failure');
    }
    assert.equal(breaker.state, 'closed', 'below volumeThreshold');
    calls[4]?.reject(down());
    await runs[4];
    // Counting at start (as opossum does) it would take 26 of the 50 in flight to pass 50 %.
    assert.equal(breaker.state, 'open', '5 of 5 settled calls failed');
    assert.deepEqual(states, ['open']);
    assert.equal(isBreakerOpenError(await breaker.run(() => Promise.resolve('new')).catch((err: unknown) => err)), true);
    calls[5]?.resolve('late');
    assert.equal(await runs[5], 'late', 'a call in flight at the open still gets its own outcome');
    for (const call of calls.slice(6)) call.reject(down());
    await Promise.all(runs);
    assert.equal(breaker.state, 'open');
  } finally {
    breaker.shutdown();
  }
});

test('createBreaker() - a 4xx answer never counts as a failure: SL1 is up', async () => {
  const breaker = createBreaker({ volumeThreshold: 2 }, () => {});
  try {
    for (let i = 0; i < 20; i++) await breaker.run(() => Promise.reject(refused())).catch(() => {});
    assert.equal(breaker.state, 'closed');
  } finally {
    breaker.shutdown();
  }
});

test('createBreaker() - half-open lets exactly one probe through, and only the probe decides', async () => {
  const states: BreakerState[] = [];
  let onChange = () => {};
  const breaker = createBreaker({ volumeThreshold: 2, resetTimeoutMs: 10 }, (s) => {
    states.push(s);
    onChange();
  });
  // The breaker's reset timer is unref'd: the guard timer also keeps the event loop alive until the change.
  const reach = (wanted: BreakerState) => new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`timed out waiting for ${wanted}`)), 10_000);
    onChange = () => {
      if (breaker.state !== wanted) return;
      clearTimeout(guard);
      resolve();
    };
    onChange();
  });
  try {
    const stale = deferred();
    const staleRun = breaker.run(() => stale.promise).catch((err: unknown) => err);
    for (let i = 0; i < 2; i++) await breaker.run(() => Promise.reject(down())).catch(() => {});
    assert.equal(breaker.state, 'open');
    await reach('half_open');

    const probe = deferred();
    const probeFlags: boolean[] = [];
    const probeRun = breaker.run((isProbe) => {
      probeFlags.push(isProbe);
      return probe.promise;
    });
    const second = await breaker.run(() => Promise.resolve('second')).catch((err: unknown) => err);
    assert.equal(isBreakerOpenError(second), true, 'only one call while half-open');
    stale.reject(down());
    await staleRun;
    assert.equal(breaker.state, 'half_open', 'a call from before the open does not decide for the probe');
    probe.resolve('ok');
    assert.equal(await probeRun, 'ok');
    assert.deepEqual(probeFlags, [true]);
    assert.deepEqual(states, ['open', 'half_open', 'closed']);
    // The window starts clean after a close: one failure does not reopen it.
    await breaker.run(() => Promise.reject(down())).catch(() => {});
    assert.equal(breaker.state, 'closed');
  } finally {
    breaker.shutdown();
  }
});

test('breaker - SL1 down: opens, holds alerts (no retries burned), one probe per half-open, drains on recovery', async () => {
  const fake = await startFakeSl1();
  fake.respondWith(503);
  const w = watch(fake, {
    maxConcurrent: 10,
    retryMaxAttempts: 3,
    backoff: { baseMs: 10, maxMs: 20 },
    breaker: { volumeThreshold: 5, resetTimeoutMs: 100 },
  });
  try {
    for (let i = 0; i < 100; i++) w.dispatcher.offer(makeTestAlert());
    await w.until('breaker open', () => w.states.includes('open'));
    const requestsWhenOpened = fake.requests.length;
    // Several reset periods pass with SL1 still down: only probes may reach it.
    await w.until('4 half-open probes', () => w.states.filter((s) => s === 'half_open').length >= 4);
    assert.equal(w.dispatcher.breakerState === 'closed', false);
    const halfOpens = w.states.filter((s) => s === 'half_open').length;
    assert.ok(w.attemptsWhileNotClosed <= halfOpens, `${w.attemptsWhileNotClosed} attempts while open/half-open, ${halfOpens} half-opens`);
    assert.ok(fake.requests.length - requestsWhenOpened <= halfOpens + 10, 'in flight at the open, plus probes');
    assert.equal(w.deadLetters.length, 0, 'held alerts are not dead-lettered while the breaker is open');
    assert.ok(w.dispatcher.size + w.dispatcher.inFlight === 100);

    fake.respondWith(201);
    assert.equal(await w.dispatcher.drain(20_000), true);
    assert.equal(w.delivered, 100);
    assert.equal(w.deadLetters.length, 0);
    assert.equal(w.dispatcher.breakerState, 'closed');
    assert.equal(new Set(fake.received.map((r) => r.body?.message)).size, 100);
    assert.deepEqual(w.states.slice(0, 2), ['open', 'half_open']);
    assert.equal(w.states.at(-1), 'closed');
  } finally {
    await w.dispatcher.close();
    await fake.close();
  }
});

test('breaker - the alert that keeps being the probe stops at retryMaxAttempts requests: probes count', async () => {
  const fake = await startFakeSl1();
  fake.respondWith(503);
  const w = watch(fake, {
    maxConcurrent: 1,
    retryMaxAttempts: 2,
    backoff: { baseMs: 1, maxMs: 1 },
    breaker: { volumeThreshold: 1, resetTimeoutMs: 20 },
  });
  try {
    w.dispatcher.offer(makeTestAlert());
    await w.until('dead-lettered', () => w.deadLetters.length === 1);
    assert.ok(w.states.includes('half_open'), 'its second request was the half-open probe');
    assert.equal(fake.requests.length, 2, 'never more requests than retryMaxAttempts');
    assert.equal(w.deadLetters[0]?.reason, 'retries_exhausted');
    assert.equal(w.deadLetters[0]?.attempts, 2);
  } finally {
    await w.dispatcher.close();
    await fake.close();
  }
});

test('breaker - pause() holds alerts and resume() releases them', async () => {
  const fake = await startFakeSl1();
  const w = watch(fake, {});
  try {
    w.dispatcher.pause();
    for (let i = 0; i < 5; i++) w.dispatcher.offer(makeTestAlert());
    await new Promise((resolve) => setTimeout(resolve, 50)); // guard only: nothing should move while paused
    assert.equal(fake.requests.length, 0);
    assert.equal(w.dispatcher.size, 5);
    w.dispatcher.resume();
    assert.equal(await w.dispatcher.drain(10_000), true);
    assert.equal(fake.received.length, 5);
  } finally {
    await w.dispatcher.close();
    await fake.close();
  }
});
