/**
 * AWS SNS message signatures (HTTP/S subscriptions), checked on the parsed body: SignatureVersion 1 is
 * SHA1withRSA, 2 is SHA256withRSA, over the canonical `Key\nValue\n` string of the fields AWS names for each
 * message type. The public key comes from the certificate at `SigningCertURL`, which is trusted only on an SNS
 * endpoint over https; fetching it is the I/O edge's job, so this module only looks it up.
 */
import { verify as verifySignature } from 'node:crypto';
import { ACCEPTED, refuse } from './digest.js';
import type { Verifier, VerifyInput, VerifyResult } from './types.js';

/** SNS's regional endpoints (`sns.us-east-1.amazonaws.com`), China regions included (`.amazonaws.com.cn`). */
export const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

/** The signed fields, in the order AWS concatenates them; `Subject` only when the message has one. */
const SIGNED_FIELDS: Readonly<Record<SnsMessageType, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};
const OPTIONAL_FIELDS = new Set(['Subject']);
const DIGEST_OF_VERSION: Readonly<Record<string, 'sha1' | 'sha256'>> = { '1': 'sha1', '2': 'sha256' };

// An RSA signature is as long as the key: 4096-bit keys give 684 base64 characters. Anything far longer is junk.
const MAX_SIGNATURE_CHARS = 2048;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PEM_FILE_NAME = /^[A-Za-z0-9._-]+\.pem$/;

export type SigningCertUrlCheck =
  | { readonly ok: true; readonly url: string; readonly fileName: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Pure: is `value` a certificate URL GenHook may trust — `https://sns.<region>.amazonaws.com[.cn]/<name>.pem`,
 * default port, no user info, query or fragment? `fileName` is the name a certificate has in `sns_cert_dir`.
 */
export function checkSigningCertUrl(value: unknown): SigningCertUrlCheck {
  if (typeof value !== 'string' || value === '') return { ok: false, reason: 'the message has no SigningCertURL' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'SigningCertURL is not a URL' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'SigningCertURL is not https' };
  if (url.username !== '' || url.password !== '' || url.port !== '') return { ok: false, reason: 'SigningCertURL carries user info or a port' };
  if (!SNS_HOST.test(url.hostname)) return { ok: false, reason: `SigningCertURL host ${url.hostname.slice(0, 100)} is not sns.<region>.amazonaws.com` };
  if (url.search !== '' || url.hash !== '') return { ok: false, reason: 'SigningCertURL carries a query or fragment' };
  let fileName: string;
  try {
    fileName = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
  } catch {
    return { ok: false, reason: 'SigningCertURL has a malformed %-escape' };
  }
  if (!PEM_FILE_NAME.test(fileName)) return { ok: false, reason: 'SigningCertURL does not name a .pem file' };
  return { ok: true, url: url.href, fileName };
}

/**
 * The SNS message type a request declares (header `x-amz-sns-message-type`, else any string body `Type`, as
 * identification reads it), or undefined. Unknown types count, so `"Type": "notification"` cannot skip the check.
 */
export function snsTypeOf(headers: Readonly<Record<string, string>>, body: unknown): string | undefined {
  const header = headers['x-amz-sns-message-type']?.trim();
  if (header) return header;
  const type = fieldOf(body, 'Type');
  return typeof type === 'string' ? type : undefined;
}

/** An EventBridge envelope (API destination), the one kind of unsigned message an `aws` source takes by default. */
function isEventBridgeEnvelope(body: unknown): boolean {
  return typeof fieldOf(body, 'detail-type') === 'string' && typeof fieldOf(body, 'source') === 'string';
}

/** The canonical string SNS signed, or a reason it cannot be built. */
export function canonicalSnsString(message: Readonly<Record<string, unknown>>, type: SnsMessageType): { text: string } | { missing: string } {
  let text = '';
  for (const key of SIGNED_FIELDS[type]) {
    const value = fieldOf(message, key);
    if (value === undefined || value === null) {
      if (OPTIONAL_FIELDS.has(key)) continue;
      return { missing: key };
    }
    if (typeof value !== 'string') return { missing: key };
    text += `${key}\n${value}\n`;
  }
  return { text };
}

/** What the verifier asks the edge for when the certificate is not loaded yet. */
export const CERTIFICATE_NEEDED = 'certificate_needed';

export interface SnsVerifierOptions {
  /**
   * True (`<source>_signature = sns`): every request must be a signed SNS message. False (the default of the
   * `aws` provider): SNS-typed messages are verified, anything else (EventBridge) passes to the next stage.
   */
  readonly requireSns: boolean;
  /**
   * How far `Timestamp` may be from now. A genuine message older than what dedup remembers would be a replay
   * nobody recognises, so the runtime passes `dedup_window` unless `<source>_signature_tolerance` is set.
   */
  readonly toleranceMs: number;
}

/** Clocks differ: a message may look this far ahead of the server and still be fresh. */
const FUTURE_SKEW_MS = 300_000;

/**
 * Checks an SNS message's signature against the certificate `input.snsCertificates` holds for its
 * SigningCertURL. When that certificate is not loaded, answers `certificate_needed` with the URL, so the edge
 * can load it (bounded, cached) and ask again.
 */
export function compileSns({ requireSns, toleranceMs }: SnsVerifierOptions): Verifier {
  return function verifySns(input: VerifyInput): VerifyResult {
    const { headers, body } = input;
    const type = snsTypeOf(headers, body);
    if (type === undefined) {
      if (!requireSns && isEventBridgeEnvelope(body)) return ACCEPTED;
      return refuse(
        'missing_signature',
        'Type',
        requireSns
          ? 'the body is not an AWS SNS message (no x-amz-sns-message-type header or Type field); this source accepts only signed SNS messages'
          : 'the body is neither an AWS SNS message (no x-amz-sns-message-type header or Type field) nor an EventBridge event (detail-type, source)',
      );
    }
    if (!(SNS_MESSAGE_TYPES as readonly string[]).includes(type)) {
      return refuse('invalid_signature', 'x-amz-sns-message-type', `unknown SNS message type "${type.slice(0, 40)}"; expected ${SNS_MESSAGE_TYPES.join(', ')}`);
    }
    if (fieldOf(body, 'Type') !== type) {
      return refuse('invalid_signature', 'Type', `the body's Type does not match x-amz-sns-message-type ${type}`);
    }
    const message = body as Record<string, unknown>;
    const signature = fieldOf(message, 'Signature');
    if (typeof signature !== 'string' || signature === '') return refuse('missing_signature', 'Signature', 'the SNS message has no Signature');
    if (signature.length > MAX_SIGNATURE_CHARS || !BASE64.test(signature)) return refuse('invalid_signature', 'Signature', 'Signature is not base64');
    const version = fieldOf(message, 'SignatureVersion');
    const digest = typeof version === 'string' ? DIGEST_OF_VERSION[version] : undefined;
    if (digest === undefined) return refuse('invalid_signature', 'SignatureVersion', 'SignatureVersion must be "1" (SHA1withRSA) or "2" (SHA256withRSA)');
    const certificate = checkSigningCertUrl(fieldOf(message, 'SigningCertURL'));
    if (!certificate.ok) return refuse('untrusted_certificate', 'SigningCertURL', certificate.reason);
    const canonical = canonicalSnsString(message, type as SnsMessageType);
    if ('missing' in canonical) return refuse('invalid_signature', canonical.missing, `the signed field ${canonical.missing} is missing or not a string`);

    const loaded = input.snsCertificates?.get(certificate.url);
    if (loaded === undefined) {
      return { ok: false, code: CERTIFICATE_NEEDED, header: 'SigningCertURL', message: 'the signing certificate is not loaded yet', certificateUrl: certificate.url };
    }
    if ('failure' in loaded) {
      return refuse('certificate_unavailable', 'SigningCertURL', `the SNS signing certificate could not be loaded (${loaded.failure}), so the message cannot be verified`);
    }
    const { key } = loaded;
    let isValid = false;
    try {
      isValid = verifySignature(digest, Buffer.from(canonical.text, 'utf8'), key, Buffer.from(signature, 'base64'));
    } catch {
      isValid = false;
    }
    if (!isValid) return refuse('invalid_signature', 'Signature', 'Signature does not match the SNS message');
    // Checked only once the signature matched: stale means genuine but too old (a replay), never a forgery.
    const sentAt = Date.parse(String(fieldOf(message, 'Timestamp')));
    if (Number.isNaN(sentAt)) return refuse('invalid_signature', 'Timestamp', 'Timestamp is not an ISO 8601 time');
    if (input.nowMs - sentAt > toleranceMs || sentAt - input.nowMs > FUTURE_SKEW_MS) {
      return refuse('stale_timestamp', 'Timestamp', `the SNS message's Timestamp is more than ${Math.round(toleranceMs / 1000)} s old or ahead of the server clock; a replay is refused`);
    }
    return ACCEPTED;
  };
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
