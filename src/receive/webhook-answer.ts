/**
 * What the webhook route answers, as plain values: a status, a JSON or text body (or none) and headers. The
 * route decides one; the node:http edge (webhook-edge.ts) adds the request id and writes it (write-answer.ts).
 * Errors take their status from the catalogue (errors/http-errors.ts) and the body shape of respond.ts.
 */
import { httpStatusOf, type HttpErrorCode } from '../errors/index.js';
import { errorBody, type ErrorAnswerOptions } from './respond.js';

export interface WebhookAnswer {
  readonly status: number;
  /** JSON (`application/json`), text (`text/plain; charset=UTF-8`), or no body. */
  readonly body: { readonly json: unknown } | { readonly text: string } | undefined;
  /** Extra headers, names as given (written lower-cased, as a Headers object would). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function jsonAnswer(status: number, json: unknown, headers?: Readonly<Record<string, string>>): WebhookAnswer {
  return headers === undefined ? { status, body: { json } } : { status, body: { json }, headers };
}

export function errorAnswer(code: HttpErrorCode, message: string, options: ErrorAnswerOptions = {}): WebhookAnswer {
  return jsonAnswer(httpStatusOf(code), errorBody(code, message, options.details), options.headers);
}
