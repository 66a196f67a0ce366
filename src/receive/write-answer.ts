/**
 * Writes a webhook answer to node's ServerResponse: the bytes @hono/node-server wrote for the same answer
 * built through Hono (lower-cased header names, the content type of c.json / c.text, a Content-Length for a
 * body), without a Response or a Headers object in between.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { WebhookAnswer } from './webhook-answer.js';

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=UTF-8';

export function writeAnswer(outgoing: ServerResponse, answer: WebhookAnswer, requestId: string): void {
  const headers: OutgoingHttpHeaders = {};
  if (answer.headers !== undefined) for (const name in answer.headers) headers[name.toLowerCase()] = answer.headers[name];
  headers['x-request-id'] = requestId;
  const { body } = answer;
  if (body === undefined) {
    outgoing.writeHead(answer.status, headers).end();
    return;
  }
  const text = 'json' in body ? JSON.stringify(body.json) : body.text;
  headers['content-type'] = 'json' in body ? JSON_TYPE : TEXT_TYPE;
  headers['content-length'] = Buffer.byteLength(text);
  outgoing.writeHead(answer.status, headers).end(text);
}
