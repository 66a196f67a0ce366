import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shorten } from '../src/payload/index.js';

test('shorten() - at most maxChars, the last one …, never half a surrogate pair', () => {
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['0123456789A', 10, '012345678…'],
    ['12345678😀😀', 10, '12345678…'],
    ['1234567😀😀', 10, '1234567😀…'],
    ['abc', 1, '…'],
    ['', 0, ''],
  ];
  for (const [text, max, expected] of cases) {
    const shown = shorten(text, max);
    assert.equal(shown, expected, `${text} / ${max}`);
    assert.ok(shown.length <= Math.max(max, 1), `${text}: ${shown.length} > ${max}`);
  }
});
