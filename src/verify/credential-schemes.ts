import { ACCEPTED, fingerprint, isAnyEqual, refuse } from './digest.js';
import type { Verifier } from './types.js';

// Credentials are compared as SHA-256 fingerprints: equal length whatever was sent, so neither the
// content nor the length of a secret leaks through timing.

function refuseInvalid(where: string, what: string) {
  return refuse('invalid_credentials', where, `${where} does not carry ${what}`);
}

/**
 * `Authorization: Bearer <secret>` (scheme name case-insensitive, RFC 7235), or with another `header`
 * (EventBridge API-key connections, custom headers) the whole header value is the secret.
 */
export function compileBearer(secrets: readonly string[], header = 'Authorization'): Verifier {
  const expected = secrets.map((secret) => fingerprint(secret));
  const name = header.toLowerCase();
  const isAuthorization = name === 'authorization';

  return function verifyBearer({ headers }) {
    const value = headers[name]?.trim();
    if (value === undefined || value === '') {
      return refuse('missing_credentials', header, `${header} header is missing`);
    }
    let token = value;
    if (isAuthorization) {
      const match = /^Bearer[ \t]+(\S+)$/i.exec(value);
      if (match?.[1] === undefined) return refuse('invalid_credentials', header, `${header} must use the Bearer scheme`);
      token = match[1];
    }
    return isAnyEqual([fingerprint(token)], expected) ? ACCEPTED : refuseInvalid(header, 'a valid token');
  };
}

/**
 * `Authorization: Basic base64(user:password)`. With `username`, each secret is a password; without it,
 * each secret is the whole `user:password`.
 */
export function compileBasic(secrets: readonly string[], username?: string): Verifier {
  const header = 'Authorization';
  const expected = secrets.map((secret) => fingerprint(username === undefined ? secret : `${username}:${secret}`));

  return function verifyBasic({ headers }) {
    const value = headers['authorization']?.trim();
    if (value === undefined || value === '') {
      return refuse('missing_credentials', header, `${header} header is missing`);
    }
    const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})$/i.exec(value);
    if (match?.[1] === undefined) {
      return refuse('invalid_credentials', header, `${header} must use the Basic scheme with base64 user:password`);
    }
    const decoded = Buffer.from(match[1], 'base64');
    return isAnyEqual([fingerprint(decoded)], expected) ? ACCEPTED : refuseInvalid(header, 'a valid user and password');
  };
}

/**
 * Cisco Meraki puts the shared secret in the JSON body. A body that is not an object, or has no
 * `sharedSecret`, is refused: the check must never fail open.
 */
export function compileMeraki(secrets: readonly string[]): Verifier {
  const field = 'sharedSecret';
  const expected = secrets.map((secret) => fingerprint(secret));

  return function verifyMeraki({ body }) {
    const value: unknown =
      typeof body === 'object' && body !== null && Object.hasOwn(body, field)
        ? (body as Record<string, unknown>)[field]
        : undefined;
    if (value === undefined || value === null || value === '') {
      return refuse('missing_credentials', field, `${field} is missing from the body`);
    }
    if (typeof value !== 'string') return refuse('invalid_credentials', field, `${field} must be a string`);
    return isAnyEqual([fingerprint(value)], expected) ? ACCEPTED : refuse('invalid_credentials', field, `${field} is not the configured shared secret`);
  };
}
