import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupCache, SlidingWindowLimiter } from '../src/admit/index.js';
import { createDeadLetterFile } from '../src/dead-letter/index.js';
import { assertNonNegative, assertPositiveInteger } from '../src/deliver/errors.js';
import { openJournal } from '../src/enqueue/index.js';
import { optionChecks, type OptionChecks } from '../src/errors/index.js';
import { compileVerifier } from '../src/verify/index.js';

class TestOptionError extends Error {}
const check: OptionChecks = optionChecks((message) => new TestOptionError(message));

function refusal(run: () => void): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TestOptionError, `expected a TestOptionError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('optionChecks()', () => {
  const table: ReadonlyArray<{ check: string; run: (value: unknown) => void; accepts: unknown[]; refuses: Array<[unknown, string]> }> = [
    {
      check: 'positiveInteger',
      run: (value) => check.positiveInteger('limit', value),
      accepts: [1, 7, Number.MAX_SAFE_INTEGER],
      refuses: [
        [0, 'Expected `limit` to be a positive integer, got `0` (number)'],
        [1.5, 'Expected `limit` to be a positive integer, got `1.5` (number)'],
        ['3', 'Expected `limit` to be a positive integer, got `3` (string)'],
        [Number.POSITIVE_INFINITY, 'Expected `limit` to be a positive integer, got `Infinity` (number)'],
        [null, 'Expected `limit` to be a positive integer, got `null` (null)'],
      ],
    },
    {
      check: 'positiveInteger with allowInfinity',
      run: (value) => check.positiveInteger('limit', value, { allowInfinity: true }),
      accepts: [1, Number.POSITIVE_INFINITY],
      refuses: [[-1, 'Expected `limit` to be a positive integer or Infinity, got `-1` (number)']],
    },
    {
      check: 'positiveNumber',
      run: (value) => check.positiveNumber('windowMs', value),
      accepts: [0.5, 1, 1e9],
      refuses: [
        [0, 'Expected `windowMs` to be a positive finite number, got `0` (number)'],
        [Number.NaN, 'Expected `windowMs` to be a positive finite number, got `NaN` (number)'],
        [undefined, 'Expected `windowMs` to be a positive finite number, got `undefined` (undefined)'],
      ],
    },
    {
      check: 'nonNegative',
      run: (value) => check.nonNegative('delayMs', value),
      accepts: [0, 0.5, 10],
      refuses: [[-0.1, 'Expected `delayMs` to be a non-negative finite number, got `-0.1` (number)']],
    },
    {
      check: 'oneOf',
      run: (value) => check.oneOf('mode', value, ['fsync', 'write']),
      accepts: ['fsync', 'write'],
      refuses: [
        ['FSYNC', 'Expected `mode` to be one of fsync, write, got `FSYNC` (string)'],
        [1, 'Expected `mode` to be one of fsync, write, got `1` (number)'],
      ],
    },
    {
      check: 'nonEmptyString',
      run: (value) => check.nonEmptyString('dir', value, 'a directory path'),
      accepts: ['/tmp'],
      refuses: [
        ['', 'Expected `dir` to be a directory path, got `` (string)'],
        [42, 'Expected `dir` to be a directory path, got `42` (number)'],
      ],
    },
  ];
  for (const row of table) {
    it(`${row.check} accepts ${row.accepts.map(String).join(', ')}`, () => {
      for (const value of row.accepts) row.run(value);
    });
    for (const [value, message] of row.refuses) {
      it(`${row.check} refuses ${String(value)} (${typeof value}) naming the option and the value`, () => {
        assert.equal(refusal(() => row.run(value)), message);
      });
    }
  }

  it('shortens a long value so the message stays one line', () => {
    const message = refusal(() => check.oneOf('mode', 'x'.repeat(500), ['a']));
    assert.ok(message.length < 140, message);
    assert.match(message, /`x{77}\.\.\.` \(string\)$/);
  });
});

describe('every module refuses its options in the same sentence, with its own error', () => {
  const cases: ReadonlyArray<{ what: string; run: () => unknown; error: { name: string; code?: string }; message: string }> = [
    { what: 'deliver', run: () => assertPositiveInteger('maxConcurrent', 0), error: { name: 'DeliveryOptionError', code: 'delivery_option_invalid' }, message: 'Expected `maxConcurrent` to be a positive integer, got `0` (number)' },
    { what: 'deliver', run: () => assertNonNegative('maxRetryAfterMs', -1), error: { name: 'DeliveryOptionError' }, message: 'Expected `maxRetryAfterMs` to be a non-negative finite number, got `-1` (number)' },
    { what: 'dedup', run: () => new DedupCache({ windowMs: 0, maxEntries: 1 }), error: { name: 'SettingError', code: 'invalid_option' }, message: 'Expected `windowMs` to be a positive finite number, got `0` (number)' },
    { what: 'dedup', run: () => new DedupCache({ windowMs: 1, maxEntries: 0.5 }), error: { name: 'SettingError', code: 'invalid_option' }, message: 'Expected `maxEntries` to be a positive integer, got `0.5` (number)' },
    { what: 'rate limit', run: () => new SlidingWindowLimiter({ max: 0, windowMs: 1000 }), error: { name: 'SettingError', code: 'invalid_rate_limit' }, message: 'Expected `max` to be a positive integer, got `0` (number)' },
    { what: 'dead letters', run: () => createDeadLetterFile({ path: '' }), error: { name: 'StoreError', code: 'store_option_invalid' }, message: '[store] Expected `path` to be the dead-letter file path, got `` (string)' },
    { what: 'verify', run: () => compileVerifier({ scheme: 'stripe', secrets: ['whsec_x'], toleranceMs: -5 }), error: { name: 'SettingError', code: 'invalid_verifier_config' }, message: 'Expected `toleranceMs` to be a positive finite number, got `-5` (number)' },
  ];
  for (const { what, run, error, message } of cases) {
    it(`${what}: ${message}`, () => assert.throws(run, { ...error, message }));
  }

  it('journal: durability and dir', async () => {
    await assert.rejects(openJournal({ dir: '/tmp', durability: 'sometimes' as 'fsync' }), {
      name: 'StoreError',
      code: 'store_option_invalid',
      message: '[store] Expected `durability` to be one of fsync, write, off, got `sometimes` (string)',
    });
    await assert.rejects(openJournal({ dir: '' }), { message: '[store] Expected `dir` to be a directory path for the journal, got `` (string)' });
  });
});
