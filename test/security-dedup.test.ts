import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DedupCache } from '../src/admit/index.js';

describe('DedupCache', () => {
  const T0 = 1_750_000_000_000;

  it('.seen() - false the first time, true within the window, false after it', () => {
    const cache = new DedupCache({ windowMs: 1000, maxEntries: 10 });
    assert.equal(cache.seen('github:abc', T0), false);
    assert.equal(cache.seen('github:abc', T0 + 999), true);
    assert.equal(cache.seen('stripe:abc', T0 + 999), false);
    assert.equal(cache.seen('github:abc', T0 + 1000), false);
    // Recorded again at T0 + 1000.
    assert.equal(cache.seen('github:abc', T0 + 1999), true);
  });

  it('.seen() - a repeat does not extend the window', () => {
    const cache = new DedupCache({ windowMs: 1000, maxEntries: 10 });
    cache.seen('k', T0);
    assert.equal(cache.seen('k', T0 + 900), true);
    assert.equal(cache.seen('k', T0 + 1000), false);
  });

  it('.forget() - lets a retry through', () => {
    const cache = new DedupCache({ windowMs: 1000, maxEntries: 10 });
    cache.seen('k', T0);
    cache.forget('k');
    cache.forget('never-seen');
    assert.equal(cache.seen('k', T0 + 1), false);
  });

  it('evicts the oldest entries beyond maxEntries', () => {
    const cache = new DedupCache({ windowMs: 60_000, maxEntries: 3 });
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) cache.seen(key, T0 + i);
    assert.equal(cache.size, 3);
    assert.equal(cache.seen('b', T0 + 10), true);
    assert.equal(cache.seen('c', T0 + 10), true);
    assert.equal(cache.seen('d', T0 + 10), true);
    assert.equal(cache.seen('a', T0 + 10), false, 'a was evicted');
    assert.equal(cache.size, 3);
  });

  it('drops expired entries as it goes, so a flood of one-off keys stays bounded', () => {
    const cache = new DedupCache({ windowMs: 100, maxEntries: 1_000_000 });
    for (let i = 0; i < 10_000; i += 1) cache.seen(`k${i}`, T0 + i);
    assert.ok(cache.size <= 101, `size ${cache.size}`);
  });

  it('validates its options', () => {
    assert.throws(() => new DedupCache({ windowMs: 0, maxEntries: 1 }), { name: 'SettingError', message: /`windowMs`/ });
    assert.throws(() => new DedupCache({ windowMs: 1, maxEntries: 1.5 }), { name: 'SettingError', message: /`maxEntries`/ });
  });
  it('.record() - full, it forgets by last record: a key recorded again or forgotten is not evicted by its old place', () => {
    const cache = new DedupCache({ windowMs: 60_000, maxEntries: 3 });
    cache.record('a', T0);
    cache.record('b', T0 + 1);
    cache.record('c', T0 + 2);
    cache.record('a', T0 + 3); // a is now the newest
    cache.forget('b');
    cache.record('d', T0 + 4); // three keys: c, a, d
    assert.deepEqual([...cache.entries(T0 + 5)].map(([key]) => key), ['c', 'a', 'd']);
    cache.record('e', T0 + 5); // evicts c, the oldest by last record
    assert.deepEqual([...cache.entries(T0 + 6)].map(([key]) => key), ['a', 'd', 'e']);
    assert.equal(cache.has('c', T0 + 6), false);
    // Many more records than maxEntries, repeats included: still bounded, still the newest three.
    for (let n = 0; n < 5000; n++) cache.record(n % 2 === 0 ? 'same' : `k${n}`, T0 + 10 + n);
    assert.equal(cache.size, 3);
    assert.deepEqual([...cache.entries(T0 + 6000)].map(([key]) => key), ['k4997', 'same', 'k4999']);
  });
});
