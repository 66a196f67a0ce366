import { ACCEPTED, compileKeys, decodeDigest, matchesAnyKey, readSignatureHeader, refuse, refuseMalformed, refuseMismatch } from './digest.js';
import type { Verifier, VerifyResult } from './types.js';

/** Unix seconds as providers send them; the length cap keeps `Number()` exact. */
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Checked only after the signature matched, so `stale_timestamp` always means "genuine but too old or too
 * far ahead" (a replay or a skewed clock), never a forgery.
 */
function checkFreshness(header: string, seconds: string, nowMs: number, toleranceMs: number): VerifyResult {
  if (Math.abs(nowMs - Number(seconds) * 1000) <= toleranceMs) return ACCEPTED;
  const limit = Math.round(toleranceMs / 1000);
  return refuse('stale_timestamp', header, `${header} timestamp is more than ${limit} s away from the server clock`);
}

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of `<t>.<raw body>` keyed by the
 * whole `whsec_...` string. Any v1 may match (rotation); other schemes such as v0 are ignored, per Stripe's docs.
 */
export function compileStripe(secrets: readonly string[], toleranceMs: number): Verifier {
  const header = 'Stripe-Signature';
  const keys = compileKeys(secrets);

  return function verifyStripe({ rawBody, headers, nowMs }) {
    const found = readSignatureHeader(headers, [header]);
    if ('refusal' in found) return found.refusal;
    const { value } = found;

    let timestamp: string | undefined;
    let hasV1 = false;
    const candidates: Buffer[] = [];
    for (const item of value.split(',')) {
      const eq = item.indexOf('=');
      if (eq < 0) continue;
      const key = item.slice(0, eq).trim();
      const text = item.slice(eq + 1).trim();
      if (key === 't') timestamp ??= text;
      else if (key === 'v1') {
        hasV1 = true;
        const digest = decodeDigest(text, 'hex', 32);
        if (digest !== undefined) candidates.push(digest);
      }
    }
    if (timestamp === undefined) return refuse('missing_timestamp', header, `${header} has no t= timestamp`);
    if (!UNIX_SECONDS.test(timestamp)) {
      return refuse('missing_timestamp', header, `${header} t= is not a Unix timestamp in seconds`);
    }
    if (!hasV1) return refuse('missing_signature', header, `${header} has no v1= signature`);
    if (candidates.length === 0) return refuseMalformed(header, 't=<unix seconds>,v1=<64 hex digits>');

    if (!matchesAnyKey(candidates, keys, 'sha256', [timestamp, '.', rawBody])) return refuseMismatch(header);
    return checkFreshness(header, timestamp, nowMs, toleranceMs);
  };
}

/** Slack: `X-Slack-Signature: v0=<hex>` of `v0:<X-Slack-Request-Timestamp>:<raw body>`; only v0 exists. */
export function compileSlack(secrets: readonly string[], toleranceMs: number): Verifier {
  const header = 'X-Slack-Signature';
  const timestampHeader = 'X-Slack-Request-Timestamp';
  const keys = compileKeys(secrets);

  return function verifySlack({ rawBody, headers, nowMs }) {
    const found = readSignatureHeader(headers, [header]);
    if ('refusal' in found) return found.refusal;
    const { value } = found;

    const timestamp = headers['x-slack-request-timestamp']?.trim();
    if (timestamp === undefined || timestamp === '') {
      return refuse('missing_timestamp', timestampHeader, `${timestampHeader} header is missing`);
    }
    if (!UNIX_SECONDS.test(timestamp)) {
      return refuse('missing_timestamp', timestampHeader, `${timestampHeader} is not a Unix timestamp in seconds`);
    }

    const signature = value.trim();
    const digest = signature.startsWith('v0=') ? decodeDigest(signature.slice(3), 'hex', 32) : undefined;
    if (digest === undefined) return refuseMalformed(header, 'v0=<64 hex digits>');

    if (!matchesAnyKey([digest], keys, 'sha256', ['v0:', timestamp, ':', rawBody])) return refuseMismatch(header);
    return checkFreshness(timestampHeader, timestamp, nowMs, toleranceMs);
  };
}
