import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is safe to log, otherwise makes one. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Every answer of the webhook route carries the request id. Set on the context just before an answer is built
 * through it (not at the start of every request): the common 202 is a plain Response carrying the header in
 * plain headers, and a context header would cost a Headers object that answer never reads.
 */
export function tagAnswer(c: Context, requestId: string): void {
  c.header('x-request-id', requestId);
}
