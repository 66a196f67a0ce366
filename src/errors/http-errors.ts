/**
 * Every error `code` GenHook answers over HTTP, once, with its status and what it means, the way fastify keeps
 * one errors file. Responses take their status from here (receive/respond.ts sendError), so a code cannot be
 * answered with two statuses, and README's "Error codes" table is checked against this list by a test.
 * Every error body is `{"error":{"code","message",...}}`; `message` says what to fix in words.
 */

export interface HttpErrorSpec {
  readonly status: number;
  /** One line for README's table: when GenHook answers it. */
  readonly meaning: string;
}

function spec(status: number, meaning: string): HttpErrorSpec {
  return { status, meaning };
}

export const HTTP_ERRORS = {
  // The webhook route, in pipeline order.
  shutting_down: spec(503, 'GenHook is draining for shutdown (`Retry-After: 5`); another replica or a retry takes it.'),
  body_too_large: spec(413, 'The body is over `max_body_size`; answered without reading the rest.'),
  body_aborted: spec(400, 'The client closed the connection before the body was complete.'),
  unknown_source: spec(404, 'No webhooks.ini line for the source (or it could not be identified); `knownSources` lists the configured ones.'),
  invalid_handshake: spec(400, 'A provider handshake GenHook recognised but cannot answer (Slack url_verification without a challenge, Event Grid validation without a code, a CloudEvents origin that is not a host name).'),
  method_not_allowed: spec(405, 'OPTIONS outside the CloudEvents webhook handshake (`Allow: POST, OPTIONS`).'),
  ip_not_allowed: spec(403, 'The client address is not in `<source>_allow_ips`.'),
  too_many_failed_verifications: spec(429, 'This address failed verification more often than `<source>_rate_limit` allows (`Retry-After`).'),
  missing_signature: spec(401, 'The signature header is missing or empty (`error.header` names it).'),
  invalid_signature: spec(401, 'The signature does not match the secret (never says why a digest differed).'),
  missing_timestamp: spec(401, 'A timestamped signature (Stripe, Slack) carries no timestamp.'),
  stale_timestamp: spec(401, 'A genuine signature whose timestamp is outside `<source>_signature_tolerance`: a replay or a skewed clock.'),
  missing_credentials: spec(401, 'The bearer/basic credentials or the shared secret field are missing.'),
  invalid_credentials: spec(401, 'The credentials or shared secret are not the configured ones.'),
  untrusted_certificate: spec(401, 'An SNS `SigningCertURL` that is not an https .pem on sns.<region>.amazonaws.com.'),
  certificate_unavailable: spec(401, 'The SNS signing certificate could not be loaded, so the message cannot be verified.'),
  rate_limited: spec(429, 'The source is over `<source>_rate_limit` (`Retry-After`); with `redis_url`, across all replicas.'),
  unsupported_media_type: spec(415, 'A content type GenHook cannot read (it reads JSON, `text/plain` JSON, `*+json`, form `payload=`).'),
  invalid_encoding: spec(400, 'The body is not valid UTF-8.'),
  invalid_json: spec(400, 'The body is not JSON (naming byte offset, line and column).'),
  too_deep: spec(400, 'The JSON nests deeper than `max_json_depth`.'),
  invalid_payload: spec(400, 'The body is JSON `null`, a number or a string: not an object or array.'),
  too_many_items: spec(413, 'A batch with more items than `queue_max_size`; send smaller batches.'),
  queue_full: spec(503, 'The alert queue is full by count (`queue_max_size`) or bytes (`queue_max_bytes`) (`Retry-After: 30`).'),
  journal_unavailable: spec(503, 'The journal could not store the webhook durably (`Retry-After: 10`); nothing was accepted.'),
  redis_unavailable: spec(503, 'With `redis_url`: Redis could not store the webhook (`Retry-After: 5`); nothing was accepted.'),

  // The management API (/admin) and the console.
  unauthorized: spec(401, 'No or a wrong `Authorization: Bearer <admin_token>`.'),
  bad_request: spec(400, 'The request body is not what the route takes (the message says what is).'),
  bad_name: spec(400, 'The URL does not name a line as `source`, `source.event` or `source.event[conditions]`.'),
  bad_limit: spec(400, '`limit` is not a whole number in the allowed range.'),
  name_mismatch: spec(422, 'The line in the body names another line than the URL.'),
  config_invalid: spec(422, 'The edit or reload would make the configuration invalid; `issues` lists file:line:column problems and nothing changed.'),
  unknown_line: spec(404, 'webhooks.ini has no line with that name.'),
  unknown_dead_letter: spec(404, 'No dead-lettered alert with that id.'),
  log_mode: spec(409, '`sl1_api_url` is unset: replaying would only log the alerts, so they stay dead-lettered.'),
  config_write_failed: spec(500, 'webhooks.ini could not be written; nothing changed.'),
  console_not_built: spec(503, 'The console assets are missing from dist/console (run `npm run build`).'),

  // Any route.
  metrics_unavailable: spec(503, 'With `workers` > 1, `/metrics` could not gather the worker group\'s metrics from the primary: a scrape gap, never a partial sum.'),
  not_found: spec(404, 'No such route or file, nothing to act on (`POST /admin/delivery/resume` in a process that delivers nothing), or the management API and console are off (no `admin_token`).'),
  internal_error: spec(500, 'A GenHook bug; it is logged with the request id.'),
} as const satisfies Readonly<Record<string, HttpErrorSpec>>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export function isHttpErrorCode(code: string): code is HttpErrorCode {
  return Object.hasOwn(HTTP_ERRORS, code);
}

/** The status `code` is answered with. @throws {TypeError} for a code not in the catalogue (a GenHook bug). */
export function httpStatusOf(code: HttpErrorCode): number {
  if (!isHttpErrorCode(code)) throw new TypeError(`HTTP error code ${JSON.stringify(code)} is not in errors/http-errors.ts`);
  return HTTP_ERRORS[code].status;
}

/** README's table, from the catalogue: `| code | status | meaning |`. */
export function formatHttpErrorTable(): string {
  const rows = Object.entries(HTTP_ERRORS).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`);
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}
