/**
 * The decision at the door, as a pure function of the request and the running configuration:
 * identify → verify → parse → handshake → split → event → line → conditions → dedup → extract → render.
 * It does no I/O: the HTTP edge reads the body before, and journals and enqueues what it returns.
 */
import type { Alert } from '../alert.js';
import type { RuntimeConfig, SourceRuntime } from '../config/runtime.js';
import { extractFields } from '../extract/index.js';
import { handshakeOf, unsignedHandshakeOf, type HandshakeAnswer } from '../identify/handshake.js';
import { identifySource } from '../identify/index.js';
import { type RequestView, contentKind, decodeUtf8, parseFormPayload, parseJsonSafe } from '../payload/index.js';
import { renderMessage, renderOptionsFrom, renderSl1Fields, type RenderOptions } from '../render/index.js';
import { clientIp, type DedupCache } from '../admit/index.js';
import { BodyError } from '../errors/index.js';
import { alertIdFor } from '../enqueue/alert-id.js';
import { CERTIFICATE_NEEDED, type SnsCertificateLookup } from '../verify/index.js';

export interface IntakeRequest {
  readonly method: string;
  /** `:source` of `POST /webhook/:source`, or undefined for `POST /webhook`. */
  readonly sourceParam: string | undefined;
  /** Lower-case names, one value each. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Uint8Array;
  readonly remoteAddress: string | undefined;
  readonly requestId: string;
}

export interface IntakeContext {
  readonly config: RuntimeConfig;
  /** Read only: a key counts as seen once its alert is journaled, which the edge records after the write. */
  readonly dedup: Pick<DedupCache, 'has'>;
  readonly nowMs: number;
  /** SNS signing certificates loaded so far (the `sns` scheme); a missing one is asked for, not fetched here. */
  readonly snsCertificates?: SnsCertificateLookup;
}

/** Why a request was refused; `reason` is a bounded metric label. */
export interface Rejection {
  readonly kind: 'reject';
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly source: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface PlannedAlert {
  readonly alert: Alert;
  /** Keys this alert is deduplicated on (its delivery id); recorded as seen only once the alert is journaled. */
  readonly dedupKeys: readonly string[];
  /** Line that rendered it, as a bounded metric label (`github.push`). */
  readonly ruleName: string;
  readonly missing: readonly string[];
  /** Filters that met a value they could not use (the value passed through). */
  readonly warnings: readonly string[];
}

export interface SkippedItem {
  readonly outcome: 'ignored' | 'duplicate';
  readonly event: string | undefined;
  readonly reason: string;
  readonly ruleName?: string;
  readonly id?: string;
}

export type IntakeDecision =
  | Rejection
  | { readonly kind: 'handshake'; readonly source: string | undefined; readonly answer: HandshakeAnswer }
  /** The SNS signing certificate at `url` must be loaded before this request can be verified; then decide again. */
  | { readonly kind: 'certificate_needed'; readonly source: string; readonly url: string }
  | { readonly kind: 'accept'; readonly source: string; readonly alerts: readonly PlannedAlert[]; readonly skipped: readonly SkippedItem[] };

const reject = (
  status: number,
  code: string,
  message: string,
  source: string | undefined,
  extra: Pick<Rejection, 'headers' | 'details'> = {},
): Rejection => ({ kind: 'reject', status, code, message, source, ...extra });

export function decideIntake(request: IntakeRequest, context: IntakeContext): IntakeDecision {
  const { config } = context;
  const view: { method: string; headers: Readonly<Record<string, string>>; body: unknown } = {
    method: request.method,
    headers: request.headers,
    body: undefined,
  };

  // The CloudEvents OPTIONS probe carries no signature and no body.
  if (request.method === 'OPTIONS') {
    const source = request.sourceParam?.toLowerCase();
    const configured = source === undefined ? undefined : config.sources.get(source);
    // Saying "you may send" for a URL that refuses every delivery would only mislead the sender.
    if (source !== undefined && !configured) {
      return reject(404, 'unknown_source', `no line in webhooks.ini for source "${truncate(source, 60)}"`, undefined, { details: { knownSources: config.rules.sources() } });
    }
    const answer = unsignedHandshakeOf(configured ? configured.provider : 'azure', view);
    return answer ? { kind: 'handshake', source, answer } : reject(405, 'method_not_allowed', 'OPTIONS is only answered for the CloudEvents webhook handshake (WebHook-Request-Origin)', source, { headers: { allow: 'POST, OPTIONS' } });
  }

  const kind = contentKind(request.headers['content-type']);
  if (kind === 'unsupported') {
    return reject(415, 'unsupported_media_type', `cannot read content type "${truncate(request.headers['content-type'] ?? '', 60)}"; send application/json (or text/plain JSON, or form-encoded payload=)`, request.sourceParam);
  }

  let parsed: { body: unknown } | undefined;
  const parse = (): { body: unknown } | Rejection => {
    if (parsed) return parsed;
    try {
      const text = decodeUtf8(request.rawBody);
      const maxDepth = config.settings.max_json_depth;
      parsed = { body: kind === 'form' ? parseFormPayload(text, { maxDepth }) : parseJsonSafe(text, { maxDepth }) };
      return parsed;
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      return reject(error.status, error.code, error.message, request.sourceParam, error.position ? { details: { ...error.position } } : {});
    }
  };

  const identified = identify(request, view, config, parse);
  if (identified.kind === 'reject') return identified;
  const source = identified.source;
  if (!source.isEnabled) return accepted(source.name, [], [{ outcome: 'ignored', event: undefined, reason: `source ${source.name} is disabled` }]);

  const ip = clientIp({
    remoteAddress: request.remoteAddress,
    xForwardedFor: request.headers['x-forwarded-for'],
    trustedProxies: config.trustedProxies,
  });
  if (source.isIpAllowed && (ip === undefined || !source.isIpAllowed(ip))) {
    return reject(403, 'ip_not_allowed', `address ${ip ?? 'unknown'} may not post to source ${source.name} (see ${source.name}_allow_ips)`, source.name);
  }
  if (source.verify) {
    // An address whose requests keep failing verification is refused before any more verifying work.
    const address = ip ?? 'unknown';
    const failures = source.failedVerifications?.check(address, context.nowMs);
    if (failures && !failures.ok) {
      return reject(429, 'too_many_failed_verifications', `address ${address} sent more requests that failed verification than ${source.name}_rate_limit allows; retry later`, source.name, {
        headers: { 'retry-after': String(failures.retryAfterSeconds) },
      });
    }
    // Signatures are checked on the raw bytes before anything reads the body; only Meraki, whose shared
    // secret sits inside the JSON, needs it parsed first.
    let body: unknown;
    if (source.verifyReadsBody) {
      const result = parse();
      if ('kind' in result) return result;
      body = result.body;
    }
    const verdict = source.verify({
      rawBody: request.rawBody,
      headers: request.headers,
      body,
      nowMs: context.nowMs,
      ...(context.snsCertificates ? { snsCertificates: context.snsCertificates } : {}),
    });
    if (!verdict.ok && verdict.code === CERTIFICATE_NEEDED && verdict.certificateUrl !== undefined) {
      return { kind: 'certificate_needed', source: source.name, url: verdict.certificateUrl };
    }
    if (!verdict.ok) {
      source.failedVerifications?.take(address, context.nowMs);
      return reject(401, verdict.code, verdict.message, source.name, { details: { header: verdict.header } });
    }
  }

  // Charged only now, so unsigned junk cannot use up what the real provider may send.
  if (source.limiter) {
    const decision = source.limiter.take(source.name, context.nowMs);
    if (!decision.ok) {
      return reject(429, 'rate_limited', `source ${source.name} is over its rate limit (${source.name}_rate_limit); retry later`, source.name, {
        headers: { 'retry-after': String(decision.retryAfterSeconds) },
      });
    }
  }

  const body = parse();
  if ('kind' in body) return body;
  view.body = body.body;
  if (typeof body.body !== 'object' || body.body === null) {
    return reject(400, 'invalid_payload', `the body is JSON ${body.body === null ? 'null' : `a ${typeof body.body}`}; send a JSON object or array`, source.name);
  }

  const answer = handshakeOf(source.provider, view);
  if (answer) return { kind: 'handshake', source: source.name, answer };

  return planAlerts(request, view, source, context);
}

function identify(
  request: IntakeRequest,
  view: RequestView & { body: unknown },
  config: RuntimeConfig,
  parse: () => { body: unknown } | Rejection,
): { kind: 'source'; source: SourceRuntime } | Rejection {
  const known = (): Record<string, unknown> => ({ knownSources: config.rules.sources() });
  if (request.sourceParam !== undefined) {
    const name = request.sourceParam.toLowerCase();
    const source = config.sources.get(name);
    if (!source) return reject(404, 'unknown_source', `no line in webhooks.ini for source "${truncate(name, 60)}"`, undefined, { details: known() });
    return { kind: 'source', source };
  }
  // Headers identify most providers without reading the body; body shapes need it parsed.
  let provider = identifySource(view);
  if (provider === undefined) {
    const body = parse();
    if ('kind' in body) return body;
    provider = identifySource({ ...view, body: body.body });
  }
  if (provider === undefined) {
    return reject(404, 'unknown_source', 'could not tell which provider sent this; post to /webhook/<source> instead', undefined, { details: known() });
  }
  const name = config.sourceByProvider.get(provider);
  const source = name === undefined ? undefined : config.sources.get(name);
  if (!source) {
    return reject(404, 'unknown_source', `identified as ${provider}, but webhooks.ini has no line for it`, undefined, { details: known() });
  }
  return { kind: 'source', source };
}

/** What one payload item becomes under the current lines; shared by intake, `genhook render` and preview. */
export type ItemResolution =
  | { readonly kind: 'none'; readonly event: string | undefined; readonly reason: string }
  | { readonly kind: 'filtered'; readonly event: string | undefined; readonly ruleName: string; readonly reason: string }
  | {
      readonly kind: 'rendered';
      readonly event: string | undefined;
      readonly ruleName: string;
      readonly message: string;
      /** SL1 body fields besides the message: the source's static ones and its payload templates, rendered. */
      readonly fields: Readonly<Record<string, string>>;
      /** Holes of the message (paths), then of the SL1 fields (`aligned_resource: deviceSerial`). */
      readonly missing: readonly string[];
      readonly warnings: readonly string[];
    };

export function resolveItem(
  rules: RuntimeConfig['rules'],
  source: Pick<SourceRuntime, 'name' | 'reading' | 'sl1Fields' | 'sl1FieldTemplates'>,
  view: RequestView,
  item: unknown,
  options: RenderOptions & { readonly event?: string | undefined },
): ItemResolution {
  const event = options.event ?? source.reading.event(view, item);
  const match = rules.match(source.name, event, item);
  if (match.kind === 'none') {
    return { kind: 'none', event, reason: `no line in webhooks.ini for ${source.name}${event ? `.${event}` : ''}` };
  }
  const ruleName = match.rule.event === undefined ? match.rule.source : `${match.rule.source}.${match.rule.event}`;
  if (match.kind === 'filtered') return { kind: 'filtered', event, ruleName, reason: match.reason };
  const extracted = extractFields(item, match.rule.fields);
  const rendered = renderMessage(match.rule.template, extracted, options, view.body);
  const sl1 = renderSl1Fields(source.sl1Fields, source.sl1FieldTemplates, item, view.body, options);
  const missing = sl1.missing.length === 0 ? rendered.missing : [...rendered.missing, ...sl1.missing];
  const warnings = sl1.warnings.length === 0 ? rendered.warnings : [...rendered.warnings, ...sl1.warnings];
  return { kind: 'rendered', event, ruleName, message: rendered.message, fields: sl1.fields, missing, warnings };
}

function planAlerts(request: IntakeRequest, view: RequestView, source: SourceRuntime, context: IntakeContext): IntakeDecision {
  const { config, dedup, nowMs } = context;
  const alerts: PlannedAlert[] = [];
  const skipped: SkippedItem[] = [];
  const items = source.reading.items(view);
  // A batch larger than the whole queue could never be accepted: 413 rather than a 503 retried forever.
  if (items.length > config.settings.queue_max_size) {
    return reject(413, 'too_many_items', `the body holds ${items.length} items; at most ${config.settings.queue_max_size} (queue_max_size) fit in one request, so send smaller batches`, source.name);
  }
  if (items.length === 0) return accepted(source.name, [], [{ outcome: 'ignored', event: undefined, reason: 'the body holds no item (an empty batch)' }]);
  const keys = itemKeys(source.reading, view, items);
  items.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) {
      skipped.push({ outcome: 'ignored', event: undefined, reason: `item ${index} is not a JSON object or array` });
      return;
    }
    const resolved = resolveItem(config.rules, source, view, item, renderOptionsFrom(config.settings));
    if (resolved.kind !== 'rendered') {
      skipped.push({ outcome: 'ignored', event: resolved.event, reason: resolved.reason, ...(resolved.kind === 'filtered' ? { ruleName: resolved.ruleName } : {}) });
      return;
    }
    const { event, ruleName } = resolved;
    const deliveryId = keys[index];
    const id = alertIdFor(source.name, deliveryId);
    const dedupKeys = deliveryId === undefined ? [] : [id];
    if (dedupKeys.some((key) => dedup.has(key, nowMs))) {
      skipped.push({ outcome: 'duplicate', event, reason: `delivery ${truncate(deliveryId ?? '', 80)} was already received`, ruleName, id });
      return;
    }
    alerts.push({
      alert: { id, requestId: request.requestId, source: source.name, event, message: resolved.message, fields: resolved.fields, receivedAt: nowMs },
      dedupKeys,
      ruleName,
      missing: resolved.missing,
      warnings: resolved.warnings,
    });
  });
  return accepted(source.name, alerts, skipped);
}

/**
 * The delivery key of each item. An element of a batch is keyed by its own id (Event Grid and CloudEvents
 * require one), whatever its position, so `[{"id":"X#1"},{"id":"X"}]` is two keys and a redelivered event
 * is recognised in any batch. An element without an id gets a positional key, `<request id>#<index>`, when
 * the request carries an id (a header such as X-Request-Id); a positional key that equals another element's
 * own id is extended with `#<index>` until it is unique within the batch. No id at all: undefined (random id,
 * no dedup).
 */
function itemKeys(reading: SourceRuntime['reading'], view: RequestView, items: readonly unknown[]): (string | undefined)[] {
  if (items.length === 1 && items[0] === view.body) return [reading.deliveryId(view, view.body)];
  const keys = items.map((item) => reading.deliveryId(view, item));
  const requestKey = reading.deliveryId(view, view.body);
  if (requestKey === undefined) return keys;
  const used = new Set(keys.filter((key) => key !== undefined));
  return keys.map((key, index) => {
    if (key !== undefined) return key;
    let positional = `${requestKey}#${index}`;
    while (used.has(positional)) positional = `${positional}#${index}`;
    used.add(positional);
    return positional;
  });
}

function accepted(source: string, alerts: readonly PlannedAlert[], skipped: readonly SkippedItem[]): IntakeDecision {
  return { kind: 'accept', source, alerts, skipped };
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
