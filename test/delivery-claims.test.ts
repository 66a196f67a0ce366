/** DeliveryClaims: one request at a time owns a delivery key; others wait for its outcome. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryClaims } from '../src/receive/delivery-claims.js';

test('DeliveryClaims - a held key makes the next claim wait for the owner: stored, then free again', async () => {
  const claims = new DeliveryClaims();
  const first = claims.claim(['a', 'b']);
  assert.ok('claim' in first);
  assert.equal(claims.size, 2);
  const second = claims.claim(['b', 'c']);
  assert.ok('wait' in second, 'b is held');
  assert.equal(claims.size, 2, 'a waiting request holds nothing');
  first.claim.stored();
  first.claim.failed({ code: 'journal_unavailable', message: 'too late' });
  assert.deepEqual(await second.wait, [{ stored: true }], 'the first settlement counts, later ones do nothing');
  assert.equal(claims.size, 0);
  assert.ok('claim' in claims.claim(['b']), 'free once settled');
});

test('DeliveryClaims - every waiter gets the owner\'s failure; an owner nobody waited for settles without waiters', async () => {
  const claims = new DeliveryClaims();
  const owner = claims.claim(['k']);
  assert.ok('claim' in owner);
  const waiters = [claims.claim(['k']), claims.claim(['k', 'other'])];
  const failure = { code: 'journal_unavailable' as const, message: 'GenHook could not store the webhook durably; retry later' };
  owner.claim.failed(failure);
  for (const waiter of waiters) {
    assert.ok('wait' in waiter);
    assert.deepEqual(await waiter.wait, [{ stored: false, failure }]);
  }
  const alone = claims.claim(['x']);
  assert.ok('claim' in alone);
  alone.claim.stored();
  assert.equal(claims.size, 0);
});
