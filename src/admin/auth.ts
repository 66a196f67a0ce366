/**
 * Bearer auth for /admin. The token is read from the running config on every request, so a reload that
 * sets, changes or removes `admin_token` takes effect at once. Unset: the API does not exist (404).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sendError } from '../receive/respond.js';
import type { Logger } from '../ops/logger.js';

/** Hashing both sides first makes the comparison constant-time whatever the lengths. */
export function isTokenEqual(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function requireAdminToken(token: () => string | undefined, logger: Logger): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const expected = token();
    if (expected === undefined || expected === '') {
      return sendError(c, 'not_found', 'the management API is off; set admin_token in settings.ini to turn it on');
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match?.[1] || !isTokenEqual(match[1], expected)) {
      logger.warn({ path: c.req.path, method: c.req.method, hasToken: Boolean(match) }, 'admin request refused: missing or wrong bearer token');
      return sendError(c, 'unauthorized', 'send Authorization: Bearer <admin_token>', {
        headers: { 'www-authenticate': 'Bearer realm="genhook-admin"' },
      });
    }
    await next();
  };
}
