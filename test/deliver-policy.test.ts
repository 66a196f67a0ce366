import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planNext, type AlertProgress, type GateView, type NextStep, type RetryRules, type TripResult } from '../src/deliver/delivery-policy.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const RULES: RetryRules = { retryMaxAttempts: 3, maxAlertAgeMs: 60_000, backoff: { baseMs: 1000, maxMs: 30_000, jitter: 'none' } };
const OPEN_GATE: GateView = {
  isClosed: false, isLogMode: false, isPaused: false, breaker: 'closed', isTurnedAwayByBreaker: false, isProbeTakenByOther: false, auth: { kind: 'send' },
};
const FRESH: AlertProgress = { attempts: 0, notBefore: 0, receivedAt: NOW - 1000 };

const down = (retryAfterMs?: number): TripResult => ({
  kind: 'failed', outcome: retryAfterMs === undefined ? { kind: 'retryable', reason: 'SL1 answered 503' } : { kind: 'retryable', reason: 'SL1 answered 429', retryAfterMs },
});
const refused: TripResult = { kind: 'failed', outcome: { kind: 'permanent', reason: 'SL1 answered 400', isAuth: false } };
const unauthorized: TripResult = { kind: 'failed', outcome: { kind: 'permanent', reason: 'SL1 answered 401: check sl1_username and sl1_password', isAuth: true } };
const expiresAt = FRESH.receivedAt + RULES.maxAlertAgeMs;

test('planNext() - every step', () => {
  const cases: { name: string; progress?: Partial<AlertProgress>; last?: TripResult; gate?: Partial<GateView>; rules?: Partial<RetryRules>; expected: NextStep }[] = [
    { name: 'fresh alert, everything open: deliver now', expected: { kind: 'send', isProbe: false } },
    { name: 'delivered', last: { kind: 'delivered', status: 201, durationMs: 12 }, expected: { kind: 'delivered', status: 201, durationMs: 12 } },
    { name: 'closing beats everything: it stays stored', gate: { isClosed: true }, last: down(), progress: { attempts: 1 }, expected: { kind: 'stop' } },
    { name: 'log mode', gate: { isLogMode: true }, expected: { kind: 'log' } },
    { name: 'first 503: retry after the backoff', progress: { attempts: 1 }, last: down(), expected: { kind: 'retry', at: NOW + 1000, delayMs: 1000, reason: 'SL1 answered 503' } },
    { name: 'second 503: the backoff doubles', progress: { attempts: 2 }, last: down(), expected: { kind: 'retry', at: NOW + 2000, delayMs: 2000, reason: 'SL1 answered 503' } },
    { name: 'Retry-After longer than the backoff wins', progress: { attempts: 1 }, last: down(7000), expected: { kind: 'retry', at: NOW + 7000, delayMs: 7000, reason: 'SL1 answered 429' } },
    { name: 'Retry-After shorter than the backoff: the backoff', progress: { attempts: 1 }, last: down(10), expected: { kind: 'retry', at: NOW + 1000, delayMs: 1000, reason: 'SL1 answered 429' } },
    {
      name: 'third 503 under retry_max_attempts 3: no fourth request', progress: { attempts: 3 }, last: down(),
      expected: { kind: 'dead_letter', reason: 'retries_exhausted', isAuth: false, error: 'SL1 answered 503' },
    },
    {
      name: 'a reload lowered retry_max_attempts below what the alert had', progress: { attempts: 2 }, last: down(), rules: { retryMaxAttempts: 1 },
      expected: { kind: 'dead_letter', reason: 'retries_exhausted', isAuth: false, error: 'SL1 answered 503' },
    },
    { name: '400: dead-lettered at once', progress: { attempts: 1 }, last: refused, expected: { kind: 'dead_letter', reason: 'permanent', isAuth: false, error: 'SL1 answered 400' } },
    {
      name: '401 with attempts left: held by the auth pause, never dead-lettered', progress: { attempts: 1 }, last: unauthorized,
      gate: { auth: { kind: 'wait', until: NOW + 900_000 } }, expected: { kind: 'wait', reason: 'auth_pause', until: NOW + 900_000, expiresAt },
    },
    {
      name: '401 on the last allowed attempt: dead-lettered (it had all its requests)', progress: { attempts: 3 }, last: unauthorized,
      expected: { kind: 'dead_letter', reason: 'permanent', isAuth: true, error: 'SL1 answered 401: check sl1_username and sl1_password' },
    },
    { name: 'auth pause without a retry interval: wait until resumed', gate: { auth: { kind: 'wait', until: undefined } }, expected: { kind: 'wait', reason: 'auth_pause', until: undefined, expiresAt } },
    { name: 'auth probe due: this one goes alone', gate: { auth: { kind: 'probe' } }, expected: { kind: 'send', isProbe: true } },
    { name: 'operator pause', gate: { isPaused: true }, expected: { kind: 'wait', reason: 'paused', until: undefined, expiresAt } },
    { name: 'breaker open: held, no attempt used', gate: { breaker: 'open' }, expected: { kind: 'wait', reason: 'breaker_open', until: undefined, expiresAt } },
    { name: 'half-open, probe free: this one is the probe', gate: { breaker: 'half_open' }, expected: { kind: 'send', isProbe: true } },
    { name: 'half-open, another alert holds the probe', gate: { breaker: 'half_open', isProbeTakenByOther: true }, expected: { kind: 'wait', reason: 'probe_in_flight', until: undefined, expiresAt } },
    {
      name: 'turned away by the breaker in this period: waits for its next transition', gate: { breaker: 'half_open', isTurnedAwayByBreaker: true },
      expected: { kind: 'wait', reason: 'breaker_open', until: undefined, expiresAt },
    },
    { name: 'turned away, breaker closed since: deliver now', gate: { isTurnedAwayByBreaker: true }, expected: { kind: 'send', isProbe: false } },
    { name: 'backoff not over', progress: { notBefore: NOW + 500 }, expected: { kind: 'wait', reason: 'backoff', until: NOW + 500, expiresAt } },
    { name: 'backoff over', progress: { notBefore: NOW }, expected: { kind: 'send', isProbe: false } },
    {
      name: 'too old: expired, even while paused', progress: { receivedAt: NOW - 60_000 }, gate: { isPaused: true },
      expected: { kind: 'dead_letter', reason: 'expired', isAuth: false, error: 'Alert older than 60000 ms (maxAlertAgeMs)' },
    },
    {
      name: 'expiry between retries: no further attempt once too old', progress: { attempts: 1, notBefore: NOW + 5000, receivedAt: NOW - 60_001 }, last: { kind: 'not_sent' },
      expected: { kind: 'dead_letter', reason: 'expired', isAuth: false, error: 'Alert older than 60000 ms (maxAlertAgeMs)' },
    },
    { name: 'not sent (gate closed in the slot): plan again from the gate', last: { kind: 'not_sent' }, gate: { breaker: 'open' }, expected: { kind: 'wait', reason: 'breaker_open', until: undefined, expiresAt } },
  ];
  for (const c of cases) {
    const step = planNext({ ...FRESH, ...c.progress }, c.last, NOW, { ...OPEN_GATE, ...c.gate }, { ...RULES, ...c.rules });
    assert.deepEqual(step, c.expected, c.name);
  }
});

test('planNext() - the jitter comes from the injected random', () => {
  const rules: RetryRules = { ...RULES, backoff: { baseMs: 1000, maxMs: 30_000, jitter: 'full', random: () => 0.25 } };
  assert.deepEqual(planNext({ ...FRESH, attempts: 3 }, down(), NOW, OPEN_GATE, { ...rules, retryMaxAttempts: 5 }), {
    kind: 'retry', at: NOW + 1000, delayMs: 1000, reason: 'SL1 answered 503',
  });
});

test('planNext() - however the gate flips, an alert never gets more requests than retry_max_attempts', () => {
  const gates: Partial<GateView>[] = [{}, { breaker: 'open' }, { breaker: 'half_open' }, { auth: { kind: 'probe' } }, { isPaused: true }];
  for (const max of [1, 2, 3, 5]) {
    let attempts = 0;
    let last: TripResult | undefined;
    for (let round = 0; round < 200; round++) {
      const step = planNext({ ...FRESH, attempts }, last, NOW, { ...OPEN_GATE, ...gates[round % gates.length] }, { ...RULES, retryMaxAttempts: max });
      if (step.kind === 'dead_letter') break;
      last = step.kind === 'send' ? (attempts++, round % 2 === 0 ? down() : unauthorized) : undefined;
    }
    assert.equal(attempts, max, `retry_max_attempts ${max}`);
  }
});
