import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { compileVerifier } from '../src/verify/index.js';
import type { VerifierConfig, VerifyFailureCode, VerifyResult } from '../src/verify/index.js';

const NOW = 1_750_000_000_000;
const BODY = JSON.stringify({ action: 'opened', title: 'Grüße — ✓ 😀', n: 1 });

function request(body: string | Uint8Array, headers: Record<string, string>, nowMs = NOW) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { rawBody: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, headers: lower, nowMs };
}

/** Refused with `code`, the message names `header`, and leaks neither secrets nor digests. */
function assertRefused(result: VerifyResult, code: VerifyFailureCode, header: string, secrets: readonly string[] = []) {
  assert.equal(result.ok, false, 'expected the request to be refused');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.header, header);
  assert.match(result.message, new RegExp(`^${header} `));
  for (const secret of secrets) assert.ok(!result.message.includes(secret), 'message leaks a secret');
  assert.doesNotMatch(result.message, /[0-9a-f]{16}/i, 'message leaks a digest');
}

const hmacHex = (algorithm: string, secret: string, data: string) => createHmac(algorithm, secret).update(data).digest('hex');

describe('compileVerifier() - github', () => {
  const secret = "It's a Secret to Everybody";
  const verify = compileVerifier({ scheme: 'github', secrets: [secret] });
  const header = 'X-Hub-Signature-256';

  it('accepts the PROVIDERS.md test vector', () => {
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    assert.deepEqual(verify(request('Hello, World!', { [header]: signature })), { ok: true });
  });

  it('accepts a body signed by @octokit/webhooks-methods', async () => {
    assert.deepEqual(verify(request(BODY, { [header]: await sign(secret, BODY) })), { ok: true });
  });

  it('accepts either secret during rotation', async () => {
    const rotating = compileVerifier({ scheme: 'github', secrets: ['old-secret', 'new-secret'] });
    for (const s of ['old-secret', 'new-secret']) {
      assert.deepEqual(rotating(request(BODY, { [header]: await sign(s, BODY) })), { ok: true }, s);
    }
    assertRefused(rotating(request(BODY, { [header]: await sign('other', BODY) })), 'invalid_signature', header);
  });

  it('refuses a wrong secret and a tampered body, naming the header', async () => {
    const wrong = verify(request(BODY, { [header]: await sign('not the secret', BODY) }));
    assertRefused(wrong, 'invalid_signature', header, [secret]);
    assert.equal(wrong.ok === false && wrong.message, 'X-Hub-Signature-256 does not match the request body');
    assertRefused(verify(request(BODY + ' ', { [header]: await sign(secret, BODY) })), 'invalid_signature', header);
  });

  it('refuses a missing header', () => {
    const result = verify(request(BODY, {}));
    assertRefused(result, 'missing_signature', header);
    assert.equal(result.ok === false && result.message, 'X-Hub-Signature-256 header is missing');
  });

  it('refuses garbage header values', async () => {
    const good = (await sign(secret, BODY)).slice('sha256='.length);
    const cases: [string, string, VerifyFailureCode][] = [
      ['empty', '', 'missing_signature'],
      ['prefix only', 'sha256=', 'invalid_signature'],
      ['no prefix', good, 'invalid_signature'],
      ['non-hex', `sha256=${'z'.repeat(64)}`, 'invalid_signature'],
      ['too short', `sha256=${good.slice(0, 40)}`, 'invalid_signature'],
      ['too long', `sha256=${good}00`, 'invalid_signature'],
      ['sha1 in the sha256 header', `sha1=${hmacHex('sha1', secret, BODY)}`, 'invalid_signature'],
      ['two values', `sha256=${good},sha256=${good}`, 'invalid_signature'],
    ];
    for (const [name, value, code] of cases) {
      const result = verify(request(BODY, { [header]: value }));
      assert.equal(result.ok, false, name);
      assertRefused(result, code, header, [secret]);
    }
  });

  it('ignores legacy X-Hub-Signature unless sha1 is configured', () => {
    const legacy = { 'X-Hub-Signature': `sha1=${hmacHex('sha1', secret, BODY)}` };
    assertRefused(verify(request(BODY, legacy)), 'missing_signature', header);
    const sha1 = compileVerifier({ scheme: 'github', algorithm: 'sha1', secrets: [secret] });
    assert.deepEqual(sha1(request(BODY, legacy)), { ok: true });
    assertRefused(sha1(request(BODY, { 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'x', BODY)}` })), 'invalid_signature', 'X-Hub-Signature');
  });

  it('github-sha1 never downgrades a present X-Hub-Signature-256', async () => {
    const sha1 = compileVerifier({ scheme: 'github', algorithm: 'sha1', secrets: [secret] });
    const headers = { [header]: await sign('forged', BODY), 'X-Hub-Signature': `sha1=${hmacHex('sha1', secret, BODY)}` };
    assertRefused(sha1(request(BODY, headers)), 'invalid_signature', header);
    assert.deepEqual(sha1(request(BODY, { [header]: await sign(secret, BODY) })), { ok: true });
  });
});

describe('compileVerifier() - stripe', () => {
  const secret = 'whsec_test_secret_0123456789';
  const header = 'Stripe-Signature';
  const t = Math.floor(NOW / 1000);
  const verify = compileVerifier({ scheme: 'stripe', secrets: [secret] });
  const signed = (s = secret, timestamp = t, payload = BODY) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret: s, timestamp });
  const v1 = (s: string, timestamp = t) => /v1=([0-9a-f]+)/.exec(signed(s, timestamp))?.[1] ?? '';

  it('accepts a header from Stripe.webhooks.generateTestHeaderString', () => {
    assert.deepEqual(verify(request(BODY, { [header]: signed() })), { ok: true });
  });

  it('accepts when any v1 matches and ignores other schemes', () => {
    const other = v1('whsec_other');
    for (const value of [
      `t=${t},v1=${other},v1=${v1(secret)}`,
      `t=${t},v0=${other},v1=${v1(secret)}`,
      `t=${t}, v1=${'z'.repeat(64)}, v1=${v1(secret)}`,
    ]) {
      assert.deepEqual(verify(request(BODY, { [header]: value })), { ok: true }, value);
    }
  });

  it('accepts either configured secret during rotation', () => {
    const rotating = compileVerifier({ scheme: 'stripe', secrets: ['whsec_old', 'whsec_new'] });
    assert.deepEqual(rotating(request(BODY, { [header]: signed('whsec_old') })), { ok: true });
    assert.deepEqual(rotating(request(BODY, { [header]: signed('whsec_new') })), { ok: true });
    assertRefused(rotating(request(BODY, { [header]: signed('whsec_gone') })), 'invalid_signature', header);
  });

  it('refuses a wrong secret and a tampered body', () => {
    assertRefused(verify(request(BODY, { [header]: signed('whsec_wrong') })), 'invalid_signature', header, [secret]);
    assertRefused(verify(request(`${BODY}\n`, { [header]: signed() })), 'invalid_signature', header);
    // The timestamp is signed: changing it breaks the signature.
    assertRefused(verify(request(BODY, { [header]: `t=${t + 1},v1=${v1(secret)}` })), 'invalid_signature', header);
  });

  it('applies the tolerance both ways, after the signature', () => {
    assert.deepEqual(verify(request(BODY, { [header]: signed() }, NOW + 300_000)), { ok: true });
    assertRefused(verify(request(BODY, { [header]: signed() }, NOW + 301_000)), 'stale_timestamp', header);
    assertRefused(verify(request(BODY, { [header]: signed() }, NOW - 301_000)), 'stale_timestamp', header);
    assertRefused(verify(request(BODY, { [header]: signed('whsec_wrong') }, NOW + 301_000)), 'invalid_signature', header);
    const strict = compileVerifier({ scheme: 'stripe', secrets: [secret], toleranceMs: 10_000 });
    assertRefused(strict(request(BODY, { [header]: signed() }, NOW + 11_000)), 'stale_timestamp', header);
  });

  it('refuses missing and malformed headers', () => {
    const cases: [string, string | undefined, VerifyFailureCode][] = [
      ['missing', undefined, 'missing_signature'],
      ['empty', '', 'missing_signature'],
      ['no t', `v1=${v1(secret)}`, 'missing_timestamp'],
      ['t not a number', `t=soon,v1=${v1(secret)}`, 'missing_timestamp'],
      ['no v1', `t=${t}`, 'missing_signature'],
      ['only v0', `t=${t},v0=${v1(secret)}`, 'missing_signature'],
      ['v1 empty', `t=${t},v1=`, 'invalid_signature'],
      ['v1 non-hex', `t=${t},v1=${'g'.repeat(64)}`, 'invalid_signature'],
      ['v1 short', `t=${t},v1=${v1(secret).slice(2)}`, 'invalid_signature'],
      ['garbage', 'garbage', 'missing_timestamp'],
    ];
    for (const [name, value, code] of cases) {
      const result = verify(request(BODY, value === undefined ? {} : { [header]: value }));
      assert.equal(result.ok, false, name);
      assertRefused(result, code, header, [secret]);
    }
  });
});

describe('compileVerifier() - slack', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const header = 'X-Slack-Signature';
  const tsHeader = 'X-Slack-Request-Timestamp';
  const ts = String(Math.floor(NOW / 1000));
  const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather&text=94070';
  // Per https://api.slack.com/authentication/verifying-requests-from-slack
  const slackSign = (s = secret, timestamp = ts, payload = body) => `v0=${hmacHex('sha256', s, `v0:${timestamp}:${payload}`)}`;
  const verify = compileVerifier({ scheme: 'slack', secrets: [secret] });

  it('accepts a request signed per the Slack docs', () => {
    assert.deepEqual(verify(request(body, { [header]: slackSign(), [tsHeader]: ts })), { ok: true });
  });

  it('refuses a wrong secret, a tampered body and a replaced timestamp', () => {
    assertRefused(verify(request(body, { [header]: slackSign('wrong'), [tsHeader]: ts })), 'invalid_signature', header, [secret]);
    assertRefused(verify(request(`${body}&x=1`, { [header]: slackSign(), [tsHeader]: ts })), 'invalid_signature', header);
    const later = String(Number(ts) + 5);
    assertRefused(verify(request(body, { [header]: slackSign(), [tsHeader]: later })), 'invalid_signature', header);
  });

  it('refuses stale and missing timestamps', () => {
    const old = String(Number(ts) - 301);
    assertRefused(verify(request(body, { [header]: slackSign(secret, old), [tsHeader]: old })), 'stale_timestamp', tsHeader);
    assertRefused(verify(request(body, { [header]: slackSign() })), 'missing_timestamp', tsHeader);
    assertRefused(verify(request(body, { [header]: slackSign(), [tsHeader]: 'yesterday' })), 'missing_timestamp', tsHeader);
  });

  it('refuses missing and malformed signatures', () => {
    const good = slackSign().slice(3);
    const cases: [string, string | undefined, VerifyFailureCode][] = [
      ['missing', undefined, 'missing_signature'],
      ['empty', '', 'missing_signature'],
      ['v0= only', 'v0=', 'invalid_signature'],
      ['other version', `v1=${good}`, 'invalid_signature'],
      ['non-hex', `v0=${'x'.repeat(64)}`, 'invalid_signature'],
      ['wrong length', `v0=${good.slice(1)}`, 'invalid_signature'],
    ];
    for (const [name, value, code] of cases) {
      const headers: Record<string, string> = { [tsHeader]: ts };
      if (value !== undefined) headers[header] = value;
      assert.equal(verify(request(body, headers)).ok, false, name);
      assertRefused(verify(request(body, headers)), code, header, [secret]);
    }
  });
});

describe('compileVerifier() - shopify', () => {
  const secret = 'shpss_0123456789abcdef';
  const verify = compileVerifier({ scheme: 'shopify', secrets: [secret] });
  // Per shopify.dev "Verify a webhook": base64 HMAC-SHA256 of the raw body with the app's client secret.
  const shopifySign = (s = secret, payload = BODY) => createHmac('sha256', s).update(payload, 'utf8').digest('base64');

  it('accepts both the X- and the unprefixed header', () => {
    assert.deepEqual(verify(request(BODY, { 'X-Shopify-Hmac-Sha256': shopifySign() })), { ok: true });
    assert.deepEqual(verify(request(BODY, { 'Shopify-Hmac-Sha256': shopifySign() })), { ok: true });
  });

  it('refuses wrong secret, tampered body, missing and garbage values', () => {
    const header = 'X-Shopify-Hmac-Sha256';
    assertRefused(verify(request(BODY, { [header]: shopifySign('wrong') })), 'invalid_signature', header, [secret]);
    assertRefused(verify(request(`${BODY} `, { [header]: shopifySign() })), 'invalid_signature', header);
    assertRefused(verify(request(BODY, {})), 'missing_signature', header);
    const hex = createHmac('sha256', secret).update(BODY).digest('hex');
    for (const value of ['', 'sha256=', hex, shopifySign().slice(4), `${shopifySign()}AAAA`, '!!!!']) {
      assert.equal(verify(request(BODY, { [header]: value })).ok, false, value);
    }
    assertRefused(verify(request(BODY, { 'Shopify-Hmac-Sha256': shopifySign('wrong') })), 'invalid_signature', 'Shopify-Hmac-Sha256');
  });
});

describe('compileVerifier() - a configured secret never accepts an unsigned request', () => {
  const configs: VerifierConfig[] = [
    { scheme: 'github', secrets: ['s'] },
    { scheme: 'github', algorithm: 'sha1', secrets: ['s'] },
    { scheme: 'stripe', secrets: ['s'] },
    { scheme: 'slack', secrets: ['s'] },
    { scheme: 'shopify', secrets: ['s'] },
    { scheme: 'hmac', header: 'X-Sig', secrets: ['s'] },
    { scheme: 'bearer', secrets: ['s'] },
    { scheme: 'basic', secrets: ['u:s'] },
    { scheme: 'meraki', secrets: ['s'] },
  ];
  for (const config of configs) {
    it(`${config.scheme}${config.algorithm === undefined ? '' : `-${config.algorithm}`}`, () => {
      const verify = compileVerifier(config);
      for (const body of [undefined, {}, { sharedSecret: '' }, null]) {
        assert.equal(verify({ ...request(BODY, {}), body }).ok, false);
      }
    });
  }

  it('refuses to compile `none` with a secret, or a signed scheme without one', () => {
    assert.throws(() => compileVerifier({ scheme: 'none', secrets: ['s'] }), { name: 'SettingError', code: 'invalid_verifier_config' });
    assert.throws(() => compileVerifier({ scheme: 'github', secrets: [] }), { name: 'SettingError', message: /needs at least one secret/ });
    assert.throws(() => compileVerifier({ scheme: 'github', secrets: [''] }), { code: 'invalid_verifier_config' });
    assert.deepEqual(compileVerifier({ scheme: 'none', secrets: [] })(request(BODY, {})), { ok: true });
  });
});
