/**
 * An alert GenHook has accepted: rendered, journaled, and on its way to SL1.
 * It is the unit every later stage (queue, delivery, journal, dead-letter) passes along.
 */
export interface Alert {
  /** Stable id: derived from the provider's delivery id where there is one, so redeliveries are recognisable. */
  readonly id: string;
  /** Id of the HTTP request that carried it (X-Request-Id); travels into every log line about it. */
  readonly requestId: string;
  /** Source name as configured in webhooks.ini, lower case (`github`). */
  readonly source: string;
  /** Event as identified (`pull_request.opened`), or undefined when the source names none. */
  readonly event: string | undefined;
  /** The rendered message, the text SL1 event policies match on. */
  readonly message: string;
  /** Extra SL1 alert body fields configured for the source (`aligned_resource`, `force_ytype`, ...). */
  readonly fields: Readonly<Record<string, string>>;
  /** When GenHook accepted the webhook, epoch milliseconds. */
  readonly receivedAt: number;
  /**
   * The request it came from, kept so a dead letter can be rendered again with today's lines
   * (`genhook dlq replay --rerender`). Absent for alerts stored before GenHook kept it, and for the items of a
   * batch whose body times its item count is over max_body_size (see {@link originBudgetAllows}).
   */
  readonly origin?: AlertOrigin;
}

/** What a webhook request was, as far as rendering it again needs: the body as text and its identifying headers. */
export interface AlertOrigin {
  /** How intake read the body: a JSON text, or a form whose `payload=` holds JSON. */
  readonly kind: 'json' | 'form';
  /**
   * The request body as text (UTF-8, a leading BOM dropped), exactly what intake parsed. The alerts of one
   * batch share this one string in memory; each counts it in full (see {@link alertBytes}).
   */
  readonly body: string;
  /** The provider's identifying and event headers (lower-case names); never authorization or signature headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** For an item of a split body: its index, and how many items the body held. */
  readonly item?: number;
  readonly items?: number;
}

/** Roughly what an alert costs in memory besides its strings: the entry, its logger and map slots. */
const ALERT_OVERHEAD_BYTES = 256;

/**
 * The size an alert counts for against `queue_max_bytes`: its strings' lengths (V8 keeps most as one byte per
 * character) plus a fixed overhead. O(number of fields), so it is cheap enough for every offer and release.
 */
export function alertBytes(alert: Alert): number {
  let bytes = ALERT_OVERHEAD_BYTES + alert.id.length + alert.requestId.length + alert.source.length + (alert.event?.length ?? 0) + alert.message.length;
  for (const key in alert.fields) bytes += key.length + (alert.fields[key]?.length ?? 0);
  const { origin } = alert;
  if (origin !== undefined) {
    // In full for each alert of a batch, although fresh ones share the string: once journaled and read back (or
    // taken from Redis) each has its own copy, and the count must hold then too. The budget keeps it bounded.
    bytes += origin.body.length;
    for (const key in origin.headers) bytes += key.length + (origin.headers[key]?.length ?? 0);
  }
  return bytes;
}

/**
 * Whether the items of one request may each keep its body: `items × body ≤ max_body_size`, so a request never
 * stores (journal, Redis, dead letters) or counts against queue_max_bytes more than max_body_size of payload.
 */
export function originBudgetAllows(bodyLength: number, items: number, maxBodySize: number): boolean {
  return bodyLength * items <= maxBodySize;
}

const PAYLOAD_KEY = ',"payload":';

/**
 * A JSON text on one line: journal and dead-letter files hold one record per line, and JSON has line breaks only
 * between tokens (inside a string one is always escaped), so each becomes a space. A scan when there is none.
 */
export function flattenLineBreaks(json: string): string {
  const flat = json.includes('\n') ? json.replaceAll('\n', ' ') : json;
  return flat.includes('\r') ? flat.replaceAll('\r', ' ') : flat;
}
const PAYLOAD_LENGTH_KEY = ',"payloadLength":';

/**
 * JSON text of an alert (or a dead-letter entry, which carries the same `origin`), the form the journal, Redis
 * and the dead-letter file store. A JSON body is spliced in as it arrived, after the rest, as `payload`, not
 * escaped into a string: no second escaping pass over the body on the hot path, and `jq .payload` shows it as
 * JSON (its line breaks, which JSON only has between tokens, as spaces). `payloadLength` (its length in characters) comes last so {@link decodeAlertJson} takes the body back
 * out by position without parsing it into objects.
 * @example encodeAlertJson(alert) // '{"id":…,"origin":{"kind":"json","headers":{…}},"payload":{"action":"opened"},"payloadLength":20}'
 */
export function encodeAlertJson(value: { readonly origin?: AlertOrigin | undefined }): string {
  const [head, payload, tail] = alertJsonParts(value);
  return `${head}${payload}${tail}`;
}

/**
 * {@link encodeAlertJson}'s text as its three parts: up to the payload, the payload (the body), and the rest. An
 * encoder writing bytes takes them one by one, so the body is never first copied into one joined string.
 */
export function alertJsonParts(value: { readonly origin?: AlertOrigin | undefined }): readonly [string, string, string] {
  const { origin } = value;
  if (origin === undefined) return [JSON.stringify(value), '', ''];
  const { body, kind, ...rest } = origin;
  const head = JSON.stringify({ ...value, origin: { kind, ...rest } });
  const payload = kind === 'json' ? flattenLineBreaks(body) : JSON.stringify(body);
  return [`${head.slice(0, -1)}${PAYLOAD_KEY}`, payload, `${PAYLOAD_LENGTH_KEY}${payload.length}}`];
}

/** Reads what {@link encodeAlertJson} wrote (or any plain JSON object) back, with `origin.body` as text again. */
export function decodeAlertJson(text: string): unknown {
  const at = text.lastIndexOf(PAYLOAD_LENGTH_KEY);
  if (at === -1 || !text.endsWith('}')) return JSON.parse(text);
  const length = Number(text.slice(at + PAYLOAD_LENGTH_KEY.length, -1));
  const start = at - length;
  if (!Number.isSafeInteger(length) || length < 0 || start < PAYLOAD_KEY.length || text.slice(start - PAYLOAD_KEY.length, start) !== PAYLOAD_KEY) {
    return withOriginBody(JSON.parse(text) as Record<string, unknown>);
  }
  const value = JSON.parse(`${text.slice(0, start - PAYLOAD_KEY.length)}}`) as Record<string, unknown>;
  const origin = value['origin'];
  if (typeof origin !== 'object' || origin === null) return value;
  const payload = text.slice(start, at);
  const kind = (origin as { kind?: unknown }).kind;
  const body = kind === 'json' ? payload : (JSON.parse(payload) as unknown);
  return typeof body === 'string' ? { ...value, origin: { ...origin, body } } : value;
}

/** A hand-edited line whose length no longer matches: parsed whole, the payload turned back into text. */
function withOriginBody(value: Record<string, unknown>): Record<string, unknown> {
  const { payload, payloadLength: _length, ...rest } = value;
  const origin = rest['origin'];
  if (typeof origin !== 'object' || origin === null || payload === undefined) return rest;
  const kind = (origin as { kind?: unknown }).kind;
  const body = kind === 'json' ? JSON.stringify(payload) : payload;
  return typeof body === 'string' ? { ...rest, origin: { ...origin, body } } : rest;
}

/** An `origin` read back from storage, checked; undefined when absent or malformed (then it is dropped, not trusted). */
export function parseOrigin(value: unknown): AlertOrigin | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, body, headers, item, items } = value as Record<string, unknown>;
  if ((kind !== 'json' && kind !== 'form') || typeof body !== 'string') return undefined;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined;
  if (!Object.values(headers).every((entry) => typeof entry === 'string')) return undefined;
  if (item !== undefined && !(Number.isSafeInteger(item) && typeof items === 'number' && Number.isSafeInteger(items) && (item as number) >= 0 && (item as number) < items)) return undefined;
  return { kind, body, headers: headers as Record<string, string>, ...(item === undefined ? {} : { item: item as number, items: items as number }) };
}
