/** JSON answers in one shape: `{"error":{"code","message",...}}` for every refusal. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export function sendError(
  c: Context,
  status: number,
  code: string,
  message: string,
  options: { headers?: Readonly<Record<string, string>>; details?: Readonly<Record<string, unknown>> } = {},
): Response {
  for (const [name, value] of Object.entries(options.headers ?? {})) c.header(name, value);
  return c.json({ error: { code, message, ...options.details } }, status as ContentfulStatusCode);
}
