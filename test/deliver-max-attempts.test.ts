/**
 * `retry_max_attempts` is the most SL1 requests any alert ever gets: counted at a fake SL1 over real sockets,
 * per alert, through an outage in which the breaker opens and its half-open probes fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDispatcher } from '../src/deliver/dispatcher.js';
import type { DeadLetterEvent } from '../src/deliver/dispatcher-options.js';
import { makeTestAlert, withFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { createWaiter } from './support/waiter.js';

function requestsPerMessage(fake: FakeSl1): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of fake.requests) {
    const message = String(request.body?.['message']);
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return counts;
}

for (const maxAttempts of [1, 3]) {
  test(`dispatcher - retryMaxAttempts ${maxAttempts} through an outage with the breaker opening: no alert gets more requests`, () =>
    withFakeSl1(async (fake) => {
      fake.respondWith(503);
      const deadLetters: DeadLetterEvent[] = [];
      let breakerOpened = 0;
      const { changed, until } = createWaiter(30_000);
      const dispatcher = createDispatcher(
        {
          url: fake.url,
          retryMaxAttempts: maxAttempts,
          maxConcurrent: 10,
          backoff: { baseMs: 5, maxMs: 20 },
          breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 30, rollingWindowMs: 10_000 },
          expiryCheckIntervalMs: 10,
        },
        {
          onDeadLetter: (e) => {
            deadLetters.push(e);
            changed();
          },
          onBreakerState: (state) => {
            if (state === 'open') breakerOpened++;
            changed();
          },
        },
      );
      try {
        const alerts = Array.from({ length: 30 }, () => makeTestAlert());
        for (const alert of alerts) dispatcher.offer(alert);
        await until('every alert dead-lettered', () => deadLetters.length === alerts.length);
        assert.ok(breakerOpened >= 2, `the breaker opened (and reopened after failed probes): ${breakerOpened}`);
        const counts = requestsPerMessage(fake);
        const over = [...counts].filter(([, n]) => n > maxAttempts);
        assert.deepEqual(over, [], `alerts with more than ${maxAttempts} requests`);
        for (const dl of deadLetters) {
          assert.equal(dl.reason, 'retries_exhausted');
          assert.equal(dl.attempts, counts.get(dl.alert.message) ?? 0, 'attempts in the dead letter = requests SL1 saw');
        }
      } finally {
        await dispatcher.close();
      }
    }));
}
