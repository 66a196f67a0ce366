import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { HmacAlgorithm, SignatureEncoding, VerifyFailureCode, VerifyResult } from './types.js';

export const ACCEPTED: VerifyResult = Object.freeze({ ok: true });

export function refuse(code: VerifyFailureCode, header: string, message: string): VerifyResult {
  return { ok: false, code, header, message };
}

export function refuseMissing(header: string): VerifyResult {
  return refuse('missing_signature', header, `${header} header is missing`);
}

/** A signature header that is present but blank is as good as none, but say which it was. */
export function refuseEmpty(header: string): VerifyResult {
  return refuse('missing_signature', header, `${header} header is empty`);
}

/**
 * The signature header: the first of `names` (display case; the first is canonical, the rest accepted aliases) that
 * the request carries, or the refusal when none is there or it is blank.
 */
export function readSignatureHeader(
  headers: Readonly<Record<string, string>>,
  names: readonly [string, ...string[]],
): { readonly name: string; readonly value: string } | { readonly refusal: VerifyResult } {
  for (const name of names) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) continue;
    return value.trim() === '' ? { refusal: refuseEmpty(name) } : { name, value };
  }
  return { refusal: refuseMissing(names[0]) };
}

export function refuseMismatch(header: string): VerifyResult {
  return refuse('invalid_signature', header, `${header} does not match the request body`);
}

export function refuseMalformed(header: string, form: string): VerifyResult {
  return refuse('invalid_signature', header, `${header} is malformed: expected ${form}`);
}

/** Digest length in bytes, so a wrong-length signature is refused before any comparison. */
export const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** Compile secrets into key objects once, so the hot path does not re-import them. */
export function compileKeys(secrets: readonly string[]): readonly KeyObject[] {
  return secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
}

/** HMAC of the concatenated parts; parts are fed in turn so the raw body is never copied or decoded. */
export function hmacOf(algorithm: HmacAlgorithm, key: KeyObject, parts: readonly (string | Uint8Array)[]): Buffer {
  const hmac = createHmac(algorithm, key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Whether any of the request's digests is the HMAC of `parts` under any of the keys (secret rotation). */
export function matchesAnyKey(candidates: readonly Uint8Array[], keys: readonly KeyObject[], algorithm: HmacAlgorithm, parts: readonly (string | Uint8Array)[]): boolean {
  return isAnyEqual(candidates, keys.map((key) => hmacOf(algorithm, key, parts)));
}

/**
 * Constant-time equality. Lengths are public (digest sizes are fixed by the algorithm), so a length
 * mismatch may return early; equal-length content is compared with `timingSafeEqual`.
 */
export function isEqualConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/**
 * True when any candidate equals any expected digest. Every pair is compared (no early exit), so
 * timing does not reveal which secret or which candidate matched.
 */
export function isAnyEqual(candidates: readonly Uint8Array[], expected: readonly Uint8Array[]): boolean {
  let matched = false;
  for (const want of expected) {
    for (const got of candidates) matched = isEqualConstantTime(got, want) || matched;
  }
  return matched;
}

/** SHA-256 of a credential, so tokens of different lengths compare in constant time without revealing length. */
export function fingerprint(value: string | Uint8Array): Buffer {
  return createHash('sha256').update(value).digest();
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Strict decoding: returns undefined for anything but well-formed text of exactly `bytes` bytes. */
export function decodeDigest(text: string, encoding: SignatureEncoding, bytes: number): Buffer | undefined {
  if (encoding === 'hex') {
    if (text.length !== bytes * 2 || !HEX.test(text)) return undefined;
    return Buffer.from(text, 'hex');
  }
  if (text.length !== Math.ceil(bytes / 3) * 4 || !BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes ? decoded : undefined;
}

/** How a well-formed digest looks, for "malformed" messages. */
export function describeDigest(prefix: string, encoding: SignatureEncoding, bytes: number): string {
  const body = encoding === 'hex' ? `${bytes * 2} hex digits` : `${Math.ceil(bytes / 3) * 4} base64 characters`;
  return `${prefix}<${body}>`;
}
