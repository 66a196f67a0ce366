/** RecentAlerts stays bounded in count and bytes, keeps age order, and records outcomes and last errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MESSAGE_CHARS, RecentAlerts } from '../src/ops/recent-alerts.js';
import { makeTestAlert } from './support/fake-sl1.js';

test('keeps the newest N, newest first; a shrinking limit drops the oldest at once', () => {
  const recent = new RecentAlerts(3);
  for (const n of [1, 2, 3, 4, 5]) recent.queued(makeTestAlert({ id: `a${n}` }));
  assert.deepEqual(recent.list().map((alert) => alert.id), ['a5', 'a4', 'a3']);
  recent.setLimit(1);
  assert.deepEqual(recent.list().map((alert) => alert.id), ['a5']);
  // A replayed alert comes back with its old id: it moves to the newest place, not a second entry.
  recent.setLimit(3);
  recent.queued(makeTestAlert({ id: 'a6' }));
  recent.queued(makeTestAlert({ id: 'a5' }));
  assert.deepEqual(recent.list().map((alert) => alert.id), ['a5', 'a6']);
});

test('messages are cut to MESSAGE_CHARS, so memory is bounded in bytes as well as count', () => {
  const recent = new RecentAlerts(2);
  recent.queued(makeTestAlert({ id: 'big', message: 'x'.repeat(MESSAGE_CHARS * 50) }));
  const [entry] = recent.list();
  assert.equal(entry?.message.length, MESSAGE_CHARS);
  assert.ok(entry?.message.endsWith('…'));
});

test('outcomes follow the alert; last errors are kept per source even after the alert rolled out', () => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const recent = new RecentAlerts(1, () => now);
  recent.queued(makeTestAlert({ id: 'a', source: 'acme' }));
  now += 1000;
  recent.settled('a', 'retrying', { attempts: 1, reason: 'SL1 answered 503' });
  recent.failed('acme', 'a', 'attempt 1 failed: SL1 answered 503');
  assert.deepEqual(
    recent.list().map(({ outcome, attempts, reason, updatedAt }) => ({ outcome, attempts, reason, updatedAt })),
    [{ outcome: 'retrying', attempts: 1, reason: 'SL1 answered 503', updatedAt: '2026-12-01T10:00:01.000Z' }],
  );
  recent.settled('a', 'delivered', { attempts: 2, status: 201 });
  assert.deepEqual(recent.list().map(({ outcome, status, reason }) => ({ outcome, status, reason })), [{ outcome: 'delivered', status: 201, reason: null }]);
  recent.queued(makeTestAlert({ id: 'b', source: 'other' }));
  recent.settled('a', 'dead_lettered');
  assert.deepEqual(recent.list().map((alert) => alert.id), ['b'], 'an outcome for an alert no longer kept changes nothing');
  assert.deepEqual(recent.lastError('acme'), { at: '2026-12-01T10:00:01.000Z', alertId: 'a', message: 'attempt 1 failed: SL1 answered 503' });
  assert.equal(recent.lastError('other'), null);
});
