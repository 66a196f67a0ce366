/**
 * JSON answers in one shape: `{"error":{"code","message",...}}` for every refusal, with the status the code has in
 * the catalogue (errors/http-errors.ts), so a code is always answered with the same status.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { httpStatusOf, type HttpErrorCode } from '../errors/index.js';

export interface ErrorAnswerOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra fields beside code and message (`knownSources`, `header`, `issues`, a parse position). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function sendError(c: Context, code: HttpErrorCode, message: string, options: ErrorAnswerOptions = {}): Response {
  const status = httpStatusOf(code);
  for (const [name, value] of Object.entries(options.headers ?? {})) c.header(name, value);
  return c.json({ error: { code, message, ...options.details } }, status as ContentfulStatusCode);
}
