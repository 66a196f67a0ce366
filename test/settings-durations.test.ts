import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileConfig } from '../src/config/runtime.js';
import { durationKind, durationOrOffKind } from '../src/config/settings-spec.js';
import { parseSettingsText } from '../src/config/settings.js';
import { parseDurationMs, parseRateLimit } from '../src/config/units.js';
import { ConfigError, formatConfigIssue } from '../src/errors/index.js';

/** The grammar's table: every form README documents, and what each one means. */
const ACCEPTED: ReadonlyArray<readonly [string, number]> = [
  ['300', 300_000],
  ['300s', 300_000],
  ['300 s', 300_000],
  ['5m', 300_000],
  ['5 minutes', 300_000],
  ['5 Minutes', 300_000],
  ['1 minute', 60_000],
  ['5min', 300_000],
  ['5 mins', 300_000],
  ['1.5h', 5_400_000],
  ['1.5 hours', 5_400_000],
  ['2 hr', 7_200_000],
  ['500ms', 500],
  ['500 milliseconds', 500],
  ['30sec', 30_000],
  ['30 seconds', 30_000],
  ['1d', 86_400_000],
  ['2 days', 172_800_000],
  [' 10 s ', 10_000],
  ['0.5s', 500],
];
const REFUSED: readonly string[] = ['', 'soon', '-5m', '5 parsecs', '1h30m', '1h 30m', 'PT5M', '.5h', '5.m', '1e3s', '5 m s', 'm'];

describe('one duration grammar', () => {
  for (const [text, ms] of ACCEPTED) it(`accepts ${JSON.stringify(text)} as ${ms} ms`, () => assert.equal(parseDurationMs(text), ms));
  for (const text of REFUSED) it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDurationMs(text), undefined));

  it('the rate-limit window takes exactly the same forms', () => {
    for (const [text, ms] of ACCEPTED) assert.deepEqual(parseRateLimit(`100 per ${text}`), { max: 100, windowMs: ms }, text);
    for (const [text, ms] of ACCEPTED) assert.deepEqual(parseRateLimit(`100/${text}`), { max: 100, windowMs: ms }, text);
    // A lone unit is the one extra form a window takes (`100 per m`), below.
    for (const text of REFUSED.filter((form) => !/^[a-z]+$/i.test(form))) {
      assert.throws(() => parseRateLimit(`100 per ${text}`), { code: 'invalid_rate_limit' }, text);
    }
  });

  it('a rate-limit window may leave out the amount before a unit', () => {
    assert.deepEqual(parseRateLimit('100/m'), { max: 100, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('5 per second'), { max: 5, windowMs: 1000 });
    assert.deepEqual(parseRateLimit('10 per hour'), { max: 10, windowMs: 3_600_000 });
  });

  it('bounds are the kinds\' business: 0 only where it means off, nothing above 24d', () => {
    assert.equal(durationKind.parse('0'), undefined);
    assert.equal(durationOrOffKind.parse('0'), 0);
    assert.equal(durationOrOffKind.parse('0 minutes'), 0);
    assert.equal(durationKind.parse('24 days'), 24 * 86_400_000);
    assert.equal(durationKind.parse('25 days'), undefined);
    assert.equal(durationKind.parse('5 minutes'), 300_000);
  });

  it('README documents the grammar with these same examples', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Durations'), readme.indexOf('\n## ', readme.indexOf('### Durations')));
    assert.ok(section.length > 100, 'README has a "### Durations" section');
    const rows = [...section.matchAll(/^\| `([^`]*)` \| (accepted|refused)\b[^|]*\|/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const);
    assert.ok(rows.length >= 10, 'the section has a table of accepted and refused forms');
    for (const [text, verdict] of rows) {
      assert.equal(parseDurationMs(text) !== undefined, verdict === 'accepted', `README says ${JSON.stringify(text)} is ${verdict}`);
    }
  });
});

describe('every duration setting takes the grammar, and refusals name file:line and key', () => {
  it('settings.ini durations accept `5 minutes` and `1.5h`', () => {
    const { settings } = parseSettingsText('sl1_timeout = 5 minutes\nmax_alert_age = 1.5h\nbreaker_window = 300\n', 'settings.ini');
    assert.equal(settings.sl1_timeout, 300_000);
    assert.equal(settings.max_alert_age, 5_400_000);
    assert.equal(settings.breaker_window, 300_000);
  });

  it('a settings.ini duration in another form is refused naming file, line and key', () => {
    const error = captureConfigError(() => parseSettingsText('server_port = 8080\nsl1_timeout = 1h30m\n', 'settings.ini'));
    assert.deepEqual(error.issues.map(formatConfigIssue), [
      `settings.ini:2:1: sl1_timeout = "1h30m" is not valid: expected ${durationKind.expected}`,
    ]);
  });

  const stripeLines = 'stripe: type::Stripe $type$\n';
  const compileStripe = (settingsText: string) =>
    compileConfig({ settingsFile: 'settings.ini', webhooksFile: 'webhooks.ini', settingsText, webhooksText: stripeLines });

  /** A Stripe-signed request whose timestamp is `ageSeconds` old, verified by the compiled source. */
  function verifyStripeAged(settingsText: string, ageSeconds: number) {
    const source = compileStripe(settingsText).config.sources.get('stripe');
    assert.ok(source?.verify, 'stripe has a verifier');
    const nowMs = 1_800_000_000_000;
    const t = Math.floor(nowMs / 1000) - ageSeconds;
    const rawBody = Buffer.from('{"type":"charge.succeeded"}');
    const v1 = createHmac('sha256', 'whsec_test').update(`${t}.${rawBody.toString()}`).digest('hex');
    return source.verify({ rawBody, headers: { 'stripe-signature': `t=${t},v1=${v1}` }, nowMs });
  }

  it('`stripe_signature_tolerance = 5 minutes` is accepted and means 300 s', () => {
    const settingsText = 'stripe_secret = whsec_test\nstripe_signature_tolerance = 5 minutes\n';
    assert.deepEqual(verifyStripeAged(settingsText, 290), { ok: true });
    assert.equal(verifyStripeAged(settingsText, 310).ok, false);
    const longer = 'stripe_secret = whsec_test\nstripe_signature_tolerance = 1.5h\n';
    assert.deepEqual(verifyStripeAged(longer, 3600), { ok: true });
  });

  it('a bad `<source>_signature_tolerance` is refused naming file, line and key, with the same expected form', () => {
    const error = captureConfigError(() => compileStripe('stripe_secret = whsec_test\n\nstripe_signature_tolerance = 5 parsecs\n'));
    assert.deepEqual(error.issues.map(formatConfigIssue), [
      `settings.ini:3:1: stripe_signature_tolerance = "5 parsecs" is not valid: expected ${durationKind.expected}`,
    ]);
  });

  it('`<source>_rate_limit = 100 per 5 minutes` and a refused one naming file, line and key', () => {
    const loaded = compileStripe('stripe_rate_limit = 100 per 5 minutes\n');
    assert.deepEqual(loaded.config.sources.get('stripe')?.rateLimit, { max: 100, windowMs: 300_000 });
    const error = captureConfigError(() => compileStripe('stripe_rate_limit = 100 per 1h30m\n'));
    assert.equal(error.issues.length, 1);
    assert.match(formatConfigIssue(error.issues[0]!), /^settings\.ini:1:1: stripe_rate_limit: Invalid rate limit "100 per 1h30m": expected <count>\/<duration>/);
  });
});

function captureConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}
