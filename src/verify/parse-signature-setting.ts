import { SettingError } from '../errors/index.js';
import { HMAC_ALGORITHMS, SIGNATURE_ENCODINGS } from './types.js';
import type { HmacAlgorithm, SignatureEncoding, SignatureSetting } from './types.js';

const EXPECTED_FORM =
  'github, github-sha1, stripe[:<seconds>], slack[:<seconds>], shopify, meraki, sns, none, bearer[:<Header>], ' +
  'basic[:<username>] or hmac-<sha1|sha256|sha512>:<Header>[:<hex|base64>[:<prefix>[:multiple]]] ' +
  '(e.g. hmac-sha256:X-Hub-Signature:hex:sha256=)';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function fail(text: string, why: string): never {
  throw new SettingError('invalid_signature_setting', `Invalid signature setting "${text}": ${why}; expected ${EXPECTED_FORM}`);
}

/**
 * Parse a source's `<source>_signature` setting. Scheme names are case-insensitive; header names keep
 * their case (it is shown in error answers). Forms:
 *
 * - `github` — `X-Hub-Signature-256: sha256=<hex>`; `github-sha1` also accepts legacy `X-Hub-Signature: sha1=<hex>`
 * - `stripe`, `slack` — optionally `:<seconds>` of timestamp tolerance (`stripe:600`, `slack:120s`; default 300)
 * - `shopify`, `meraki`, `none`; `sns` — AWS SNS message signatures (SignatureVersion 1 and 2), no secret
 * - `bearer` — `Authorization: Bearer <secret>`; `bearer:X-Api-Key` compares that header's whole value
 * - `basic` — secrets are `user:password`; `basic:alice` makes each secret a password for user alice
 * - `hmac-<sha1|sha256|sha512>:<Header>[:<hex|base64>[:<prefix>[:multiple]]]` — HMAC of the raw body,
 *   e.g. `hmac-sha256:X-Hub-Signature:hex:sha256=` (Jira), `hmac-sha256:Sentry-Hook-Signature`,
 *   `hmac-sha256:X-PagerDuty-Signature:hex:v1=:multiple` (comma-separated values, any may match).
 *   Empty parts take the default (`hex`, no prefix).
 *
 * @throws {SettingError} code `invalid_signature_setting`, naming the setting and the expected forms.
 */
export function parseSignatureSetting(text: string): SignatureSetting {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? undefined : trimmed.slice(colon + 1);

  const noOptions = (setting: SignatureSetting): SignatureSetting =>
    rest === undefined ? setting : fail(text, `\`${name}\` takes no options`);

  switch (name) {
    case 'github':
      return noOptions({ scheme: 'github', algorithm: 'sha256' });
    case 'github-sha1':
      return noOptions({ scheme: 'github', algorithm: 'sha1' });
    case 'shopify':
    case 'meraki':
    case 'sns':
    case 'none':
      return noOptions({ scheme: name });
    case 'stripe':
    case 'slack': {
      if (rest === undefined) return { scheme: name };
      const seconds = /^(\d{1,6})s?$/.exec(rest.trim())?.[1];
      if (seconds === undefined || Number(seconds) === 0) fail(text, 'the tolerance must be a positive number of seconds');
      return { scheme: name, toleranceMs: Number(seconds) * 1000 };
    }
    case 'bearer':
      if (rest === undefined) return { scheme: 'bearer' };
      if (!HEADER_NAME.test(rest)) fail(text, `\`${rest}\` is not a header name`);
      return { scheme: 'bearer', header: rest };
    case 'basic':
      if (rest === undefined) return { scheme: 'basic' };
      if (rest === '') fail(text, 'the user name is empty');
      return { scheme: 'basic', username: rest };
  }
  if (name.startsWith('hmac-')) return parseHmac(text, name.slice(5), rest);
  return fail(text, `unknown scheme \`${name}\``);
}

function parseHmac(text: string, algorithmText: string, rest: string | undefined): SignatureSetting {
  if (!HMAC_ALGORITHMS.includes(algorithmText as HmacAlgorithm)) fail(text, `unknown algorithm \`${algorithmText}\``);
  if (rest === undefined) fail(text, 'the header name is missing');
  const parts = rest.split(':');
  // A prefix may itself contain ':', so peel `multiple` off the end and join what lies between.
  const allowMultiple = parts.length >= 4 && parts.at(-1)?.toLowerCase() === 'multiple';
  if (allowMultiple) parts.pop();
  const [header = '', encodingText = '', ...prefixParts] = parts;
  if (!HEADER_NAME.test(header)) fail(text, `\`${header}\` is not a header name`);
  const encoding = (encodingText === '' ? 'hex' : encodingText.toLowerCase()) as SignatureEncoding;
  if (!SIGNATURE_ENCODINGS.includes(encoding)) fail(text, `unknown encoding \`${encodingText}\``);
  const prefix = prefixParts.join(':');
  return {
    scheme: 'hmac',
    algorithm: algorithmText as HmacAlgorithm,
    header,
    encoding,
    ...(prefix === '' ? {} : { prefix }),
    ...(allowMultiple ? { allowMultiple } : {}),
  };
}
