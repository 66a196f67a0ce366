/**
 * The SL1 auth pause: the pure state (table), then a dispatcher against a fake SL1 over real sockets that
 * answers 401/403 — one login attempt, never more, until the credentials change, an operator resumes, or
 * the retry interval lets exactly one probe go.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  acquireAuth,
  createMemoryAuthPauseStore,
  decideAuth,
  INITIAL_AUTH_STATE,
  nextAuthState,
  type AuthEvent,
  type AuthPauseState,
} from '../src/deliver/auth-pause.js';
import { createDispatcher } from '../src/deliver/dispatcher.js';
import type { DeadLetterEvent, DispatcherOptions } from '../src/deliver/dispatcher-options.js';
import { makeTestAlert, withFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { createWaiter } from './support/waiter.js';

const T = 1_000_000;
const settled = (epoch: number, isProbe: boolean, result: Extract<AuthEvent, { type: 'settled' }>['result'], now = T, retryIntervalMs = 60_000): AuthEvent => ({
  type: 'settled', epoch, isProbe, result, now, retryIntervalMs,
});
const refused401 = { kind: 'refused', status: 401 } as const;
const probing: AuthPauseState = { ...INITIAL_AUTH_STATE, isProbing: true };
const verified: AuthPauseState = { phase: 'verified', epoch: 0, isProbing: false };
const paused: AuthPauseState = { phase: 'paused', epoch: 0, isProbing: false, pausedAt: T, refusedAt: T, probeAt: T + 60_000, status: 401 };

test('nextAuthState() - every transition', () => {
  const cases: { name: string; from: AuthPauseState; event: AuthEvent; expect: Partial<AuthPauseState> & { phase: AuthPauseState['phase'] } }[] = [
    { name: 'start: the first send takes the probe', from: INITIAL_AUTH_STATE, event: { type: 'probe_started', epoch: 0 }, expect: { phase: 'unverified', isProbing: true } },
    { name: 'a second probe_started changes nothing', from: probing, event: { type: 'probe_started', epoch: 0 }, expect: { phase: 'unverified', isProbing: true } },
    { name: 'probe answered 201: verified', from: probing, event: settled(0, true, { kind: 'accepted' }), expect: { phase: 'verified', isProbing: false } },
    { name: 'probe answered 500: verified (SL1 did not refuse the login)', from: probing, event: settled(0, true, { kind: 'accepted' }), expect: { phase: 'verified' } },
    { name: 'probe answered 401: paused, next probe after the interval', from: probing, event: settled(0, true, refused401), expect: { phase: 'paused', isProbing: false, pausedAt: T, probeAt: T + 60_000, status: 401 } },
    { name: 'probe answered 403 with interval 0: paused, no probe time', from: probing, event: settled(0, true, { kind: 'refused', status: 403, detail: 'Authentication failed due to lock' }, T, 0), expect: { phase: 'paused', probeAt: undefined, status: 403, detail: 'Authentication failed due to lock' } },
    { name: 'probe got no answer: still unverified, the token is free', from: probing, event: settled(0, true, { kind: 'unknown' }), expect: { phase: 'unverified', isProbing: false } },
    { name: 'verified, a request answered 401: paused', from: verified, event: settled(0, false, refused401), expect: { phase: 'paused', pausedAt: T } },
    { name: 'verified, network error: still verified', from: verified, event: settled(0, false, { kind: 'unknown' }), expect: { phase: 'verified' } },
    { name: 'paused, refused again later: pausedAt kept, probe moved', from: paused, event: settled(0, true, refused401, T + 60_000), expect: { phase: 'paused', pausedAt: T, refusedAt: T + 60_000, probeAt: T + 120_000 } },
    { name: 'paused, probe accepted: verified', from: { ...paused, isProbing: true }, event: settled(0, true, { kind: 'accepted' }), expect: { phase: 'verified', isProbing: false } },
    { name: 'an answer from before a reset is ignored', from: { ...INITIAL_AUTH_STATE, epoch: 1 }, event: settled(0, false, refused401), expect: { phase: 'unverified', epoch: 1 } },
    { name: 'reset (credentials): unverified, next epoch', from: paused, event: { type: 'reset', reason: 'credentials' }, expect: { phase: 'unverified', epoch: 1, isProbing: false } },
    { name: 'reset (operator) while verified: unverified again', from: verified, event: { type: 'reset', reason: 'operator' }, expect: { phase: 'unverified', epoch: 1 } },
    { name: 'interval changed while paused: probe follows it', from: paused, event: { type: 'interval_changed', retryIntervalMs: 5000 }, expect: { phase: 'paused', probeAt: T + 5000 } },
    { name: 'interval set to 0 while paused: no probe', from: paused, event: { type: 'interval_changed', retryIntervalMs: 0 }, expect: { phase: 'paused', probeAt: undefined } },
    { name: 'interval changed while verified: nothing', from: verified, event: { type: 'interval_changed', retryIntervalMs: 5000 }, expect: { phase: 'verified' } },
  ];
  for (const c of cases) {
    const next = nextAuthState(c.from, c.event);
    for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(next[key as keyof AuthPauseState], value, `${c.name}: ${key}`);
  }
});

test('decideAuth() - who may send', () => {
  const cases: { name: string; state: AuthPauseState; now: number; expect: ReturnType<typeof decideAuth> }[] = [
    { name: 'unverified: probe', state: INITIAL_AUTH_STATE, now: T, expect: { kind: 'probe' } },
    { name: 'unverified with a probe out: wait for it', state: probing, now: T, expect: { kind: 'wait', until: undefined } },
    { name: 'verified: send', state: verified, now: T, expect: { kind: 'send' } },
    { name: 'paused, before probeAt: wait until then', state: paused, now: T + 1, expect: { kind: 'wait', until: T + 60_000 } },
    { name: 'paused, at probeAt: one probe', state: paused, now: T + 60_000, expect: { kind: 'probe' } },
    { name: 'paused, probe out: wait', state: { ...paused, isProbing: true }, now: T + 90_000, expect: { kind: 'wait', until: undefined } },
    { name: 'paused, no interval: wait for a reload or resume', state: { ...paused, probeAt: undefined }, now: T + 1e9, expect: { kind: 'wait', until: undefined } },
  ];
  for (const c of cases) assert.deepEqual(decideAuth(c.state, c.now), c.expect, c.name);
});

test('acquireAuth() - exactly one probe ticket however many ask', () => {
  const store = createMemoryAuthPauseStore();
  const tickets = Array.from({ length: 10 }, () => acquireAuth(store, T));
  assert.equal(tickets.filter((t) => 'isProbe' in t && t.isProbe).length, 1);
  assert.equal(tickets.filter((t) => 'kind' in t && t.kind === 'wait').length, 9);
});

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function harness(fake: FakeSl1, options: DispatcherOptions = {}) {
  const deadLetters: DeadLetterEvent[] = [];
  const delivered: string[] = [];
  const { changed, until } = createWaiter();
  const { logger, lines } = memoryLogger();
  const dispatcher = createDispatcher(
    { url: fake.url, username: 'genhook', password: 'wrong', backoff: { baseMs: 10, maxMs: 50 }, expiryCheckIntervalMs: 10, logger, ...options },
    {
      onDelivered: (e) => {
        delivered.push(e.alert.id);
        changed();
      },
      onDeadLetter: (e) => {
        deadLetters.push(e);
        changed();
      },
      onAuthState: () => changed(),
      onSl1Response: () => changed(),
    },
  );
  return { dispatcher, deadLetters, delivered, until, lines };
}

/** Lets the held alerts re-check the gate many times (expiryCheckIntervalMs is 10 ms): any request they wrongly made would show. */
const idle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

for (const status of [401, 403]) {
  test(`dispatcher - SL1 answers ${status}: 100 queued alerts make exactly 1 request; new credentials deliver all 100`, () =>
    withFakeSl1(async (fake) => {
      fake.behave((req) => (req.auth?.password === 'right' ? { status: 201 } : { status, headers: { 'x-em7-status-message': 'Authentication failed' } }));
      const h = harness(fake, { retryMaxAttempts: 3 });
      try {
        for (let i = 0; i < 100; i++) assert.equal(h.dispatcher.offer(makeTestAlert()), true);
        await h.until('the pause', () => h.dispatcher.authState.phase === 'paused');
        await idle();
        assert.equal(fake.requests.length, 1, 'one login attempt, not one per alert');
        assert.equal(h.deadLetters.length, 0, 'held, not dead-lettered');
        assert.equal(h.dispatcher.size + h.dispatcher.inFlight, 100);
        const errors = h.lines.filter((l) => l['level'] === 50);
        assert.equal(errors.length, 1, 'one error line');
        assert.match(String(errors[0]?.['msg']), /sl1_username.*sl1_password/);
        assert.match(String(errors[0]?.['msg']), /POST \/admin\/delivery\/resume/);
        assert.equal(errors[0]?.['status'], status);

        const change = h.dispatcher.reconfigure({ url: fake.url, username: 'genhook', password: 'right', backoff: { baseMs: 10, maxMs: 50 }, expiryCheckIntervalMs: 10, retryMaxAttempts: 3 });
        assert.equal(change.isAuthReset, true);
        await h.until('100 delivered', () => h.delivered.length === 100);
        assert.equal(h.deadLetters.length, 0);
        assert.equal(fake.requests.length, 101, 'the refused one, then each alert once');
        assert.equal(new Set(h.delivered).size, 100);
        assert.equal(h.dispatcher.authState.phase, 'verified');
      } finally {
        await h.dispatcher.close();
      }
    }));
}

test('dispatcher - unverified credentials: the first request goes alone, the rest follow once SL1 accepted it', () =>
  withFakeSl1(async (fake) => {
    fake.respondWith(201, { delayMs: 50 });
    const h = harness(fake, { maxConcurrent: 20 });
    try {
      for (let i = 0; i < 40; i++) h.dispatcher.offer(makeTestAlert());
      await h.until('40 delivered', () => h.delivered.length === 40);
      const first = fake.requests[0];
      assert.ok(first?.endSeq !== undefined);
      assert.ok(fake.requests.slice(1).every((r) => r.startSeq > (first.endSeq ?? 0)), 'nothing else was sent while the first was out');
      assert.ok(fake.maxConcurrent > 1, 'then full concurrency');
    } finally {
      await h.dispatcher.close();
    }
  }));

test('dispatcher - sl1_auth_retry_interval: exactly one probe per interval, then all delivered once SL1 accepts', () =>
  withFakeSl1(async (fake) => {
    let clock = Date.now();
    fake.respondWith(401);
    const h = harness(fake, { now: () => clock, authRetryIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 20; i++) h.dispatcher.offer(makeTestAlert({ receivedAt: clock }));
      await h.until('the pause', () => h.dispatcher.authState.phase === 'paused');
      clock += 59_000;
      await idle();
      assert.equal(fake.requests.length, 1, 'nothing before the interval');
      clock += 1_000;
      await h.until('the probe', () => fake.requests.length === 2 && h.dispatcher.authState.refusedAt === clock);
      await idle();
      assert.equal(fake.requests.length, 2, 'exactly one probe');
      assert.equal(h.lines.filter((l) => l['level'] === 50).length, 2, 'the error line again, a minute later');
      clock += 30_000;
      fake.respondWith(201);
      await idle();
      assert.equal(fake.requests.length, 2, 'the next probe waits for the interval from the last refusal');
      clock += 30_000;
      await h.until('20 delivered', () => h.delivered.length === 20);
      assert.equal(fake.requests.length, 22);
      assert.equal(h.deadLetters.length, 0);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('dispatcher - sl1_auth_retry_interval = 0: no probe however long; resumeAuth() sends one, then the rest', () =>
  withFakeSl1(async (fake) => {
    let clock = Date.now();
    fake.respondWith(401);
    const h = harness(fake, { now: () => clock, authRetryIntervalMs: 0 });
    try {
      for (let i = 0; i < 10; i++) h.dispatcher.offer(makeTestAlert({ receivedAt: clock }));
      await h.until('the pause', () => h.dispatcher.authState.phase === 'paused');
      clock += 1_000_000;
      await idle();
      assert.equal(fake.requests.length, 1);
      // Still wrong: the operator's resume sends exactly one, which pauses again.
      h.dispatcher.resumeAuth();
      await h.until('the second refusal', () => fake.requests.length === 2 && h.dispatcher.authState.phase === 'paused');
      await idle();
      assert.equal(fake.requests.length, 2);
      fake.respondWith(201);
      h.dispatcher.resumeAuth();
      await h.until('10 delivered', () => h.delivered.length === 10);
      assert.equal(fake.requests.length, 12);
    } finally {
      await h.dispatcher.close();
    }
  }));

test('dispatcher - an alert refused on its last allowed attempt is dead-lettered, never sent a 4th time', () =>
  withFakeSl1(async (fake) => {
    fake.respondWith(401);
    const h = harness(fake, { retryMaxAttempts: 2, authRetryIntervalMs: 0 });
    try {
      h.dispatcher.offer(makeTestAlert());
      await h.until('the pause', () => h.dispatcher.authState.phase === 'paused');
      h.dispatcher.resumeAuth();
      await h.until('dead-lettered', () => h.deadLetters.length === 1);
      assert.equal(fake.requests.length, 2);
      assert.equal(h.deadLetters[0]?.isAuth, true);
      assert.equal(h.deadLetters[0]?.attempts, 2);
    } finally {
      await h.dispatcher.close();
    }
  }));
