import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { compileVerifier, parseSignatureSetting } from '../src/verify/index.js';
import type { VerifyFailureCode, VerifyResult } from '../src/verify/index.js';

const NOW = 1_750_000_000_000;
const BODY = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: 'OPS-1', summary: 'Ünïcödé ✓' } });

function request(headers: Record<string, string>, body: string = BODY, parsed?: unknown) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { rawBody: Buffer.from(body, 'utf8'), headers: lower, nowMs: NOW, body: parsed };
}

function assertRefused(result: VerifyResult, code: VerifyFailureCode, header: string, secret?: string) {
  assert.equal(result.ok, false, 'expected the request to be refused');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.header, header);
  assert.ok(result.message.startsWith(`${header} `), result.message);
  if (secret !== undefined) assert.ok(!result.message.includes(secret), 'message leaks the secret');
}

const digest = (algorithm: string, secret: string, encoding: 'hex' | 'base64', body = BODY) =>
  createHmac(algorithm, secret).update(body, 'utf8').digest(encoding);

describe('compileVerifier() - hmac', () => {
  const secret = 'generic-secret';

  it('Jira: X-Hub-Signature: sha256=<hex>', () => {
    const verify = compileVerifier({ ...parseSignatureSetting('hmac-sha256:X-Hub-Signature:hex:sha256='), secrets: [secret] });
    const header = 'X-Hub-Signature';
    assert.deepEqual(verify(request({ [header]: `sha256=${digest('sha256', secret, 'hex')}` })), { ok: true });
    // Hex digits are case-insensitive.
    assert.deepEqual(verify(request({ [header]: `sha256=${digest('sha256', secret, 'hex').toUpperCase()}` })), { ok: true });
    assertRefused(verify(request({ [header]: `sha256=${digest('sha256', 'nope', 'hex')}` })), 'invalid_signature', header, secret);
    assertRefused(verify(request({ [header]: digest('sha256', secret, 'hex') })), 'invalid_signature', header);
    assertRefused(verify(request({ [header]: 'sha256=' })), 'invalid_signature', header);
    assertRefused(verify(request({})), 'missing_signature', header);
  });

  it('Sentry: bare hex in Sentry-Hook-Signature', () => {
    const verify = compileVerifier({ ...parseSignatureSetting('hmac-sha256:Sentry-Hook-Signature'), secrets: [secret] });
    assert.deepEqual(verify(request({ 'Sentry-Hook-Signature': digest('sha256', secret, 'hex') })), { ok: true });
    assertRefused(verify(request({ 'Sentry-Hook-Signature': digest('sha256', secret, 'hex') }, `${BODY} `)), 'invalid_signature', 'Sentry-Hook-Signature');
  });

  it('PagerDuty: several v1= values during rotation, any may match', () => {
    const verify = compileVerifier({ ...parseSignatureSetting('hmac-sha256:X-PagerDuty-Signature:hex:v1=:multiple'), secrets: [secret] });
    const header = 'X-PagerDuty-Signature';
    const good = digest('sha256', secret, 'hex');
    const bad = digest('sha256', 'old', 'hex');
    assert.deepEqual(verify(request({ [header]: `v1=${bad},v1=${good}` })), { ok: true });
    assert.deepEqual(verify(request({ [header]: `v2=${bad}, v1=${good}` })), { ok: true });
    assertRefused(verify(request({ [header]: `v1=${bad},v1=${bad}` })), 'invalid_signature', header, secret);
    assertRefused(verify(request({ [header]: `v2=${good}` })), 'invalid_signature', header);
    assertRefused(verify(request({ [header]: ',' })), 'invalid_signature', header);
  });

  it('sha1 and sha512, hex and base64', () => {
    for (const algorithm of ['sha1', 'sha512'] as const) {
      for (const encoding of ['hex', 'base64'] as const) {
        const verify = compileVerifier({ scheme: 'hmac', header: 'X-Sig', algorithm, encoding, secrets: [secret] });
        assert.deepEqual(verify(request({ 'X-Sig': digest(algorithm, secret, encoding) })), { ok: true }, `${algorithm} ${encoding}`);
        assertRefused(verify(request({ 'X-Sig': digest(algorithm, 'x', encoding) })), 'invalid_signature', 'X-Sig');
        // A digest of the other algorithm has the wrong length.
        assertRefused(verify(request({ 'X-Sig': digest('sha256', secret, encoding) })), 'invalid_signature', 'X-Sig');
      }
    }
  });

  it('several secrets: any may match', () => {
    const verify = compileVerifier({ scheme: 'hmac', header: 'X-Sig', secrets: ['a', 'b', 'c'] });
    for (const s of ['a', 'b', 'c']) assert.deepEqual(verify(request({ 'X-Sig': digest('sha256', s, 'hex') })), { ok: true });
    assert.equal(verify(request({ 'X-Sig': digest('sha256', 'd', 'hex') })).ok, false);
  });

  it('rejects configs without a usable header', () => {
    assert.throws(() => compileVerifier({ scheme: 'hmac', secrets: ['s'] }), { code: 'invalid_verifier_config', message: /`header`/ });
    assert.throws(() => compileVerifier({ scheme: 'hmac', header: 'Bad Header', secrets: ['s'] }), { code: 'invalid_verifier_config' });
  });
});

describe('compileVerifier() - bearer and basic', () => {
  it('bearer: Authorization: Bearer <secret>', () => {
    const verify = compileVerifier({ scheme: 'bearer', secrets: ['tok-1', 'tok-2-longer'] });
    const h = 'Authorization';
    assert.deepEqual(verify(request({ [h]: 'Bearer tok-1' })), { ok: true });
    assert.deepEqual(verify(request({ [h]: 'bearer tok-2-longer' })), { ok: true });
    assertRefused(verify(request({ [h]: 'Bearer tok-3' })), 'invalid_credentials', h, 'tok-1');
    assertRefused(verify(request({ [h]: 'Bearer tok-' })), 'invalid_credentials', h);
    assertRefused(verify(request({ [h]: 'Bearer ' })), 'invalid_credentials', h);
    assertRefused(verify(request({ [h]: 'Basic dG9rLTE=' })), 'invalid_credentials', h);
    assertRefused(verify(request({ [h]: 'tok-1' })), 'invalid_credentials', h);
    assertRefused(verify(request({})), 'missing_credentials', h);
    assertRefused(verify(request({ [h]: '' })), 'missing_credentials', h);
  });

  it('bearer with a custom header compares the whole value', () => {
    const verify = compileVerifier({ ...parseSignatureSetting('bearer:X-Api-Key'), secrets: ['key-123'] });
    assert.deepEqual(verify(request({ 'X-Api-Key': 'key-123' })), { ok: true });
    assertRefused(verify(request({ 'X-Api-Key': 'Bearer key-123' })), 'invalid_credentials', 'X-Api-Key');
    assertRefused(verify(request({ Authorization: 'Bearer key-123' })), 'missing_credentials', 'X-Api-Key');
  });

  it('basic with a username: secrets are passwords', () => {
    const verify = compileVerifier({ scheme: 'basic', username: 'sl1', secrets: ['pässword'] });
    const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
    assert.deepEqual(verify(request({ Authorization: basic('sl1:pässword') })), { ok: true });
    assertRefused(verify(request({ Authorization: basic('sl1:wrong') })), 'invalid_credentials', 'Authorization', 'pässword');
    assertRefused(verify(request({ Authorization: basic('other:pässword') })), 'invalid_credentials', 'Authorization');
    assertRefused(verify(request({ Authorization: 'Basic ***' })), 'invalid_credentials', 'Authorization');
    assertRefused(verify(request({ Authorization: 'Bearer pässword' })), 'invalid_credentials', 'Authorization');
    assertRefused(verify(request({})), 'missing_credentials', 'Authorization');
  });

  it('basic without a username: secrets are user:password', () => {
    const verify = compileVerifier({ scheme: 'basic', secrets: ['alice:one', 'bob:two'] });
    const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    assert.deepEqual(verify(request({ Authorization: basic('bob:two') })), { ok: true });
    assert.equal(verify(request({ Authorization: basic('alice:two') })).ok, false);
    assert.throws(() => compileVerifier({ scheme: 'basic', secrets: ['no-colon'] }), { code: 'invalid_verifier_config' });
  });
});

describe('compileVerifier() - meraki', () => {
  const verify = compileVerifier({ scheme: 'meraki', secrets: ['meraki-shared'] });
  const field = 'sharedSecret';

  it('accepts the configured sharedSecret in the body', () => {
    assert.deepEqual(verify(request({}, BODY, { sharedSecret: 'meraki-shared', alertTypeId: 'settings_changed' })), { ok: true });
  });

  it('never fails open', () => {
    assertRefused(verify(request({}, BODY, { sharedSecret: 'other' })), 'invalid_credentials', field, 'meraki-shared');
    assertRefused(verify(request({}, BODY, { sharedSecret: 42 })), 'invalid_credentials', field);
    for (const body of [undefined, null, 'meraki-shared', [], {}, { sharedSecret: '' }, { sharedSecret: null }]) {
      assertRefused(verify(request({}, BODY, body)), 'missing_credentials', field);
    }
    // Inherited properties do not count.
    assertRefused(verify(request({}, BODY, Object.create({ sharedSecret: 'meraki-shared' }))), 'missing_credentials', field);
  });
});
