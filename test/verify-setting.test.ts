import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileVerifier, parseSignatureSetting } from '../src/verify/index.js';
import type { SignatureSetting } from '../src/verify/index.js';

describe('parseSignatureSetting()', () => {
  const valid: [string, SignatureSetting][] = [
    ['github', { scheme: 'github', algorithm: 'sha256' }],
    ['GitHub', { scheme: 'github', algorithm: 'sha256' }],
    ['github-sha1', { scheme: 'github', algorithm: 'sha1' }],
    ['stripe', { scheme: 'stripe' }],
    ['stripe:600', { scheme: 'stripe', toleranceMs: 600_000 }],
    ['slack:120s', { scheme: 'slack', toleranceMs: 120_000 }],
    [' shopify ', { scheme: 'shopify' }],
    ['meraki', { scheme: 'meraki' }],
    ['none', { scheme: 'none' }],
    ['bearer', { scheme: 'bearer' }],
    ['bearer:X-Api-Key', { scheme: 'bearer', header: 'X-Api-Key' }],
    ['basic', { scheme: 'basic' }],
    ['basic:sl1', { scheme: 'basic', username: 'sl1' }],
    ['hmac-sha256:X-Hub-Signature:hex:sha256=', { scheme: 'hmac', algorithm: 'sha256', header: 'X-Hub-Signature', encoding: 'hex', prefix: 'sha256=' }],
    ['hmac-sha256:Sentry-Hook-Signature', { scheme: 'hmac', algorithm: 'sha256', header: 'Sentry-Hook-Signature', encoding: 'hex' }],
    ['hmac-sha512:X-Sig:base64', { scheme: 'hmac', algorithm: 'sha512', header: 'X-Sig', encoding: 'base64' }],
    ['hmac-sha1:X-Sig::v1:', { scheme: 'hmac', algorithm: 'sha1', header: 'X-Sig', encoding: 'hex', prefix: 'v1:' }],
    [
      'hmac-sha256:X-PagerDuty-Signature:hex:v1=:multiple',
      { scheme: 'hmac', algorithm: 'sha256', header: 'X-PagerDuty-Signature', encoding: 'hex', prefix: 'v1=', allowMultiple: true },
    ],
    ['hmac-sha256:X-Sig:hex::multiple', { scheme: 'hmac', algorithm: 'sha256', header: 'X-Sig', encoding: 'hex', allowMultiple: true }],
  ];
  for (const [text, expected] of valid) {
    it(`parses "${text}"`, () => {
      const setting = parseSignatureSetting(text);
      assert.deepEqual(setting, expected);
      // Every parsed setting compiles once secrets are added.
      const secrets = setting.scheme === 'none' ? [] : ['user:secret'];
      assert.equal(typeof compileVerifier({ ...setting, secrets }), 'function');
    });
  }

  const invalid = ['', 'gitlab', 'github:extra', 'stripe:0', 'stripe:-5', 'slack:5 minutes', 'hmac-md5:X-Sig', 'hmac-sha256', 'hmac-sha256:', 'hmac-sha256:Bad Header', 'hmac-sha256:X-Sig:base32', 'bearer:', 'basic:'];
  for (const text of invalid) {
    it(`refuses "${text}" naming the expected form`, () => {
      assert.throws(() => parseSignatureSetting(text), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.name, 'SettingError');
        assert.equal((error as { code?: string }).code, 'invalid_signature_setting');
        assert.ok(error.message.includes(`"${text}"`), error.message);
        assert.match(error.message, /expected .*hmac-<sha1\|sha256\|sha512>:<Header>/);
        return true;
      });
    });
  }
});
