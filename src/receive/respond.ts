/**
 * JSON answers in one shape: `{"error":{"code","message",...}}` for every refusal, with the status the code has in
 * the catalogue (errors/http-errors.ts), so a code is always answered with the same status. `sendError` answers
 * through Hono; the webhook routes build the same body as a plain value (webhook-answer.ts).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { httpStatusOf, type HttpErrorCode } from '../errors/index.js';
import type { Logger } from '../ops/logger.js';

export interface ErrorAnswerOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra fields beside code and message (`knownSources`, `header`, `issues`, a parse position). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function errorBody(code: HttpErrorCode, message: string, details?: Readonly<Record<string, unknown>>): { error: Record<string, unknown> } {
  return { error: { code, message, ...details } };
}

export function sendError(c: Context, code: HttpErrorCode, message: string, options: ErrorAnswerOptions = {}): Response {
  const status = httpStatusOf(code);
  for (const [name, value] of Object.entries(options.headers ?? {})) c.header(name, value);
  return c.json(errorBody(code, message, options.details), status as ContentfulStatusCode);
}

/** A failure of GenHook's own (a bug), whichever edge caught it: logged with the path, answered 500 internal_error. */
export const INTERNAL_ERROR = { code: 'internal_error', message: 'GenHook failed to handle this request; it is logged' } as const;

export function logInternalError(logger: Logger, error: unknown, path: string): void {
  logger.error({ err: error, path }, 'request failed inside GenHook');
}
