import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindowLimiter } from '../src/admit/index.js';
import { parseRateLimit } from '../src/config/units.js';

describe('parseRateLimit()', () => {
  const valid: [string, number, number][] = [
    ['100/1m', 100, 60_000],
    ['100/m', 100, 60_000],
    ['100 per 60s', 100, 60_000],
    ['5 per second', 5, 1000],
    ['1000/1h', 1000, 3_600_000],
    ['10 / 500ms', 10, 500],
    ['2/1.5s', 2, 1500],
    ['50 PER 2 minutes', 50, 120_000],
    ['7/1d', 7, 86_400_000],
  ];
  for (const [text, max, windowMs] of valid) {
    it(`parses "${text}"`, () => assert.deepEqual(parseRateLimit(text), { max, windowMs }));
  }
  for (const text of ['', '100', '0/1m', '100/0s', '100/1y', 'many/1m', '-1/1m', '100 every minute']) {
    it(`refuses "${text}"`, () => {
      assert.throws(() => parseRateLimit(text), { name: 'SettingError', code: 'invalid_rate_limit', message: /e\.g\. 100\/1m, 100 per 5 minutes or 5 per second/ });
    });
  }
});

describe('SlidingWindowLimiter.take()', () => {
  const W = 60_000;
  const T0 = 1_000 * W; // aligned to a window start

  it('admits max requests per window and refuses the next', () => {
    const limiter = new SlidingWindowLimiter({ max: 3, windowMs: W });
    for (let i = 0; i < 3; i += 1) assert.deepEqual(limiter.take('github', T0 + i), { ok: true });
    const refused = limiter.take('github', T0 + 10);
    assert.equal(refused.ok, false);
    // The whole window must pass before `current` becomes the previous window, then weight 3·(1−t/W)+1 ≤ 3 needs t ≥ W/3.
    assert.equal(!refused.ok && refused.retryAfterSeconds, 60 + 20);
  });

  it('keeps keys apart', () => {
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: W });
    assert.equal(limiter.take('a', T0).ok, true);
    assert.equal(limiter.take('b', T0).ok, true);
    assert.equal(limiter.take('a', T0 + 1).ok, false);
  });

  it('weights the previous window by its remaining overlap', () => {
    const limiter = new SlidingWindowLimiter({ max: 10, windowMs: W });
    for (let i = 0; i < 10; i += 1) assert.equal(limiter.take('k', T0 + i).ok, true);
    // A quarter into the next window, 75% of the previous 10 still count: 7.5 + n + 1 ≤ 10 → n ≤ 1.5, so 2 fit.
    const quarter = T0 + W + W / 4;
    assert.equal(limiter.take('k', quarter).ok, true);
    assert.equal(limiter.take('k', quarter).ok, true);
    const refused = limiter.take('k', quarter);
    assert.equal(refused.ok, false);
    // 10·(1−t/W) + 2 + 1 ≤ 10 → t ≥ 0.3·W = 18 s, i.e. 3 s after the quarter mark.
    assert.equal(!refused.ok && refused.retryAfterSeconds, 3);
    assert.equal(limiter.take('k', T0 + W + 18_000).ok, true);
  });

  it('refused requests do not count, and the limit recovers', () => {
    const limiter = new SlidingWindowLimiter({ max: 2, windowMs: W });
    limiter.take('k', T0);
    limiter.take('k', T0);
    for (let i = 0; i < 100; i += 1) assert.equal(limiter.take('k', T0 + 1000).ok, false);
    // Two windows later nothing of the burst remains.
    assert.equal(limiter.take('k', T0 + 2 * W).ok, true);
    assert.equal(limiter.take('k', T0 + 2 * W).ok, true);
    assert.equal(limiter.take('k', T0 + 2 * W).ok, false);
  });

  it('retryAfterSeconds is honest: a retry at that time is admitted', () => {
    for (const max of [1, 2, 5, 17]) {
      const limiter = new SlidingWindowLimiter({ max, windowMs: W });
      let now = T0 + 12_345;
      for (let i = 0; i < max; i += 1) limiter.take('k', now);
      for (let round = 0; round < 5; round += 1) {
        const refused = limiter.take('k', now);
        assert.equal(refused.ok, false, `max ${max} round ${round}`);
        if (refused.ok) return;
        assert.ok(refused.retryAfterSeconds >= 1);
        now += refused.retryAfterSeconds * 1000;
        assert.equal(limiter.take('k', now).ok, true, `max ${max} round ${round} after ${refused.retryAfterSeconds}s`);
        while (limiter.take('k', now).ok);
      }
    }
  });

  it('forgets idle keys, so memory follows active keys', () => {
    const limiter = new SlidingWindowLimiter({ max: 5, windowMs: W });
    for (let i = 0; i < 1000; i += 1) limiter.take(`key-${i}`, T0);
    assert.equal(limiter.size, 1000);
    limiter.take('fresh', T0 + 3 * W);
    assert.equal(limiter.size, 1);
  });

  it('validates its options', () => {
    assert.throws(() => new SlidingWindowLimiter({ max: 0, windowMs: W }), { code: 'invalid_rate_limit', message: /`max`/ });
    assert.throws(() => new SlidingWindowLimiter({ max: 1, windowMs: Number.NaN }), { code: 'invalid_rate_limit', message: /`windowMs`/ });
  });

  it('check() says whether one more fits without counting it', () => {
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: W });
    for (let i = 0; i < 5; i += 1) assert.equal(limiter.check('k', T0).ok, true);
    assert.equal(limiter.take('k', T0).ok, true);
    assert.equal(limiter.check('k', T0).ok, false);
  });

  it('past maxKeys, new keys share one counter, so memory stays bounded', () => {
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: W }, { maxKeys: 2 });
    assert.equal(limiter.take('a', T0).ok, true);
    assert.equal(limiter.take('b', T0).ok, true);
    assert.equal(limiter.take('c', T0).ok, true);
    assert.equal(limiter.take('d', T0).ok, false, 'd shares the counter c used');
    assert.equal(limiter.size, 3);
    for (let i = 0; i < 1000; i += 1) limiter.take(`x${i}`, T0);
    assert.equal(limiter.size, 3);
  });
});
