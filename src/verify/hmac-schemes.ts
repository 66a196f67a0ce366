import { ACCEPTED, DIGEST_BYTES, compileKeys, decodeDigest, describeDigest, matchesAnyKey, readSignatureHeader, refuseMalformed, refuseMismatch } from './digest.js';
import type { HmacAlgorithm, SignatureEncoding, Verifier } from './types.js';

export interface HeaderHmacOptions {
  /** Header names as shown in messages; the first is canonical, the rest are accepted aliases. */
  readonly headers: readonly [string, ...string[]];
  readonly algorithm: HmacAlgorithm;
  readonly encoding: SignatureEncoding;
  readonly prefix: string;
  readonly allowMultiple: boolean;
  readonly secrets: readonly string[];
}

/** HMAC of the raw body carried in one header: GitHub, Shopify, Jira, Sentry, PagerDuty and any `hmac` source. */
export function compileHeaderHmac(options: HeaderHmacOptions): Verifier {
  const { headers: names, algorithm, encoding, prefix, allowMultiple } = options;
  const keys = compileKeys(options.secrets);
  const bytes = DIGEST_BYTES[algorithm];
  const form = describeDigest(prefix, encoding, bytes) + (allowMultiple ? '[,...]' : '');

  return function verifyHeaderHmac({ rawBody, headers }) {
    const found = readSignatureHeader(headers, names);
    if ('refusal' in found) return found.refusal;

    const values = allowMultiple ? found.value.split(',') : [found.value];
    const candidates: Buffer[] = [];
    for (const raw of values) {
      const value = raw.trim();
      // Other schemes in a multi-value header (e.g. a future v2=) are ignored, as Stripe and PagerDuty advise.
      if (!value.startsWith(prefix)) continue;
      const digest = decodeDigest(value.slice(prefix.length), encoding, bytes);
      if (digest !== undefined) candidates.push(digest);
    }
    if (candidates.length === 0) return refuseMalformed(found.name, form);

    return matchesAnyKey(candidates, keys, algorithm, [rawBody]) ? ACCEPTED : refuseMismatch(found.name);
  };
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`. With `algorithm: 'sha1'` the legacy `X-Hub-Signature: sha1=<hex>`
 * is accepted too, but only when `X-Hub-Signature-256` is absent, so a present sha256 signature is never downgraded.
 */
export function compileGithub(secrets: readonly string[], algorithm: 'sha1' | 'sha256'): Verifier {
  const common = { encoding: 'hex', allowMultiple: false, secrets } as const;
  const sha256 = compileHeaderHmac({ ...common, headers: ['X-Hub-Signature-256'], algorithm: 'sha256', prefix: 'sha256=' });
  if (algorithm === 'sha256') return sha256;
  const sha1 = compileHeaderHmac({ ...common, headers: ['X-Hub-Signature'], algorithm: 'sha1', prefix: 'sha1=' });
  return function verifyGithub(input) {
    const hasSha256 = input.headers['x-hub-signature-256'] !== undefined;
    return hasSha256 || input.headers['x-hub-signature'] === undefined ? sha256(input) : sha1(input);
  };
}

/** Shopify: base64 HMAC-SHA256 of the raw body; the newer "events" delivery drops the `X-` prefix. */
export function compileShopify(secrets: readonly string[]): Verifier {
  return compileHeaderHmac({
    headers: ['X-Shopify-Hmac-Sha256', 'Shopify-Hmac-Sha256'],
    algorithm: 'sha256',
    encoding: 'base64',
    prefix: '',
    allowMultiple: false,
    secrets,
  });
}
