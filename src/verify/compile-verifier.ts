import { optionChecks, SettingError, type OptionChecks } from '../errors/index.js';
import { ACCEPTED } from './digest.js';
import { compileBasic, compileBearer, compileMeraki } from './credential-schemes.js';
import { compileGithub, compileHeaderHmac, compileShopify } from './hmac-schemes.js';
import { compileSns } from './sns-signature.js';
import { compileSlack, compileStripe } from './timestamp-schemes.js';
import { HMAC_ALGORITHMS, SIGNATURE_ENCODINGS, SIGNATURE_SCHEMES } from './types.js';
import type { Verifier, VerifierConfig } from './types.js';

/** Stripe's and Slack's documented replay window. */
export const DEFAULT_TOLERANCE_MS = 300_000;

/** RFC 9110 field-name (token) characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function fail(message: string): never {
  throw new SettingError('invalid_verifier_config', message);
}

const checkOption: OptionChecks = optionChecks((message) => new SettingError('invalid_verifier_config', message));

function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  checkOption.oneOf(name, value, allowed);
  return value;
}

function checkSecrets(config: VerifierConfig): void {
  const { scheme, secrets } = config;
  if (!Array.isArray(secrets)) checkOption.fail('secrets', 'an array of strings', secrets);
  for (const secret of secrets) {
    // The secret's value must never appear in an error message, only its type.
    if (typeof secret !== 'string' || secret === '') {
      fail(`Expected every entry of \`secrets\` to be a non-empty string, got a ${typeof secret === 'string' ? 'empty string' : typeof secret}`);
    }
  }
  // A source configured with a secret never accepts an unsigned request, and a signed scheme needs a secret.
  if (scheme === 'none' && secrets.length > 0) {
    fail('A secret is configured but the signature scheme is `none`; choose the scheme the provider signs with');
  }
  // SNS signs with AWS's certificate, so there is no shared secret to configure.
  if (scheme === 'sns' && secrets.length > 0) fail('Signature scheme `sns` takes no secret (AWS signs with its certificate); remove the secret');
  if (scheme !== 'none' && scheme !== 'sns' && secrets.length === 0) fail(`Signature scheme \`${scheme}\` needs at least one secret`);
}

function checkTolerance(value: unknown): number {
  if (value === undefined) return DEFAULT_TOLERANCE_MS;
  checkOption.positiveNumber('toleranceMs', value);
  return value;
}

function checkHeader(value: unknown): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
    checkOption.fail('header', 'an HTTP header name such as X-Hub-Signature', value);
  }
  return value;
}

/**
 * Validate a source's verification settings once and return the function that checks each request.
 * Keys are imported once here, so the per-request path only hashes and compares.
 * @throws {SettingError} code `invalid_verifier_config`, naming the option and the expected form.
 */
export function compileVerifier(config: VerifierConfig): Verifier {
  const scheme = checkOneOf('scheme', config.scheme, SIGNATURE_SCHEMES);
  checkSecrets(config);
  const { secrets } = config;

  switch (scheme) {
    case 'github': {
      const algorithm = checkOneOf('algorithm', config.algorithm ?? 'sha256', ['sha1', 'sha256'] as const);
      return compileGithub(secrets, algorithm);
    }
    case 'stripe':
      return compileStripe(secrets, checkTolerance(config.toleranceMs));
    case 'slack':
      return compileSlack(secrets, checkTolerance(config.toleranceMs));
    case 'shopify':
      return compileShopify(secrets);
    case 'hmac': {
      const prefix = config.prefix ?? '';
      if (typeof prefix !== 'string') checkOption.fail('prefix', 'a string', prefix);
      return compileHeaderHmac({
        headers: [checkHeader(config.header)],
        algorithm: checkOneOf('algorithm', config.algorithm ?? 'sha256', HMAC_ALGORITHMS),
        encoding: checkOneOf('encoding', config.encoding ?? 'hex', SIGNATURE_ENCODINGS),
        prefix,
        allowMultiple: config.allowMultiple === true,
        secrets,
      });
    }
    case 'bearer':
      return compileBearer(secrets, config.header === undefined ? undefined : checkHeader(config.header));
    case 'basic': {
      const { username } = config;
      if (username !== undefined && (typeof username !== 'string' || username === '' || username.includes(':'))) {
        checkOption.fail('username', "a non-empty string without ':'", username);
      }
      if (username === undefined && !secrets.every((secret) => secret.includes(':'))) {
        fail('Without `username`, every secret of scheme `basic` must be written as user:password');
      }
      return compileBasic(secrets, username);
    }
    case 'meraki':
      return compileMeraki(secrets);
    case 'sns':
      return compileSns({ requireSns: config.requireSns !== false, toleranceMs: checkTolerance(config.toleranceMs) });
    case 'none':
      return function acceptUnsigned() {
        return ACCEPTED;
      };
  }
}
