/**
 * `POST /webhook[/:source]` and the CloudEvents `OPTIONS` probe: read the body within the limit, let the
 * pure intake decide, then journal (fsync) before answering 2xx and hand the alerts to the dispatcher.
 * Once this answers 202, the alert reaches SL1 or the dead-letter file, even across a crash.
 */
import type { IncomingMessage } from 'node:http';
import { dirname, resolve } from 'node:path';
import type { Context, Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { alertBytes } from '../alert.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import { decideIntake, type IntakeDecision, type PlannedAlert, type Rejection, type SkippedItem } from '../intake/index.js';
import { lazyChild, type LazyLogger, type Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { oncePerInterval, type OncePerInterval } from '../ops/once-per-interval.js';
import type { DedupCache } from '../admit/index.js';
import type { Journal } from '../enqueue/index.js';
import { DeliveryClaims, type Claim, type ClaimFailure } from './delivery-claims.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from './read-body.js';
import { describeRoute, ROUTE_DOCS } from './openapi.js';
import { requestIdFrom } from './request-id.js';
import { enqueueShared, type SharedQueue } from './enqueue-shared.js';
import { sendError } from './respond.js';
import type { CertificateLoad, SnsCertificateStore } from './sns-certificates.js';
import { checkSubscribeUrl, confirmSnsSubscription } from './sns-confirm.js';

export interface WebhookDeps {
  readonly config: () => RuntimeConfig;
  readonly dedup: DedupCache;
  readonly journal: Journal;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** True once shutdown began: new webhooks get 503 so providers retry elsewhere or later. */
  readonly isDraining: () => boolean;
  /** AWS SNS signing certificates: looked up by the verifier, loaded here when one is missing. */
  readonly snsCertificates: SnsCertificateStore;
  /** Set with redis_url: alerts go to the queue shared by every replica instead of this one's journal. */
  readonly sharedQueue?: SharedQueue | undefined;
}

type Env = { Bindings: HttpBindings };

/** A line that renders with holes is logged at info at most this often (the metric counts every one). */
export const HOLE_LOG_INTERVAL_MS = 60_000;

/** WebhookDeps plus what the routes share among their requests. */
type RouteDeps = WebhookDeps & { readonly holeLog: OncePerInterval; readonly claims: DeliveryClaims };

export function mountWebhookRoutes(app: Hono<Env>, deps: WebhookDeps): void {
  const routeDeps: RouteDeps = { ...deps, holeLog: oncePerInterval(HOLE_LOG_INTERVAL_MS), claims: new DeliveryClaims() };
  const handle = (c: Context<Env>) => receiveWebhook(c, routeDeps);
  app.post('/webhook', describeRoute(ROUTE_DOCS.webhook), handle);
  app.post('/webhook/:source', describeRoute(ROUTE_DOCS.webhookForSource), handle);
  app.options('/webhook', describeRoute(ROUTE_DOCS.handshake), handle);
  app.options('/webhook/:source', describeRoute(ROUTE_DOCS.handshakeForSource), handle);
}

async function receiveWebhook(c: Context<Env>, deps: RouteDeps): Promise<Response> {
  const incoming = c.env.incoming;
  const requestId = requestIdFrom(headerValue(incoming, 'x-request-id'));
  c.header('x-request-id', requestId);
  const sourceParam = c.req.param('source');
  // On every line about this request (made only when one is written): who sent it, which delivery it was.
  const log = lazyChild(deps.logger, { reqId: requestId, ...senderFacts(incoming) });

  if (deps.isDraining()) {
    c.header('connection', 'close');
    return sendError(c, 503, 'shutting_down', 'GenHook is shutting down; retry shortly', { headers: { 'retry-after': '5' } });
  }

  const config = deps.config();
  let rawBody: Buffer;
  try {
    rawBody = await readBody(incoming, config.settings.max_body_size);
  } catch (error) {
    if (error instanceof BodyTooLargeError || error instanceof BodyAbortedError) {
      const source = knownSource(config, sourceParam);
      deps.metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: error.code });
      log.warn({ source, code: error.code, limit: config.settings.max_body_size }, 'webhook refused: body too large or incomplete');
      c.header('connection', 'close');
      return sendError(c, error.status, error.code, error.message);
    }
    throw error;
  }

  const request = {
    method: c.req.method,
    sourceParam,
    headers: flatHeaders(incoming),
    rawBody,
    remoteAddress: incoming.socket.remoteAddress,
    requestId,
  };
  const decide = () => decideIntake(request, { config, dedup: deps.dedup, nowMs: deps.now(), snsCertificates: deps.snsCertificates });
  let decision = decide();
  if (decision.kind === 'certificate_needed') {
    // Loaded (or its failure remembered), then decided again: the verifier refuses a failure itself, so it is
    // counted against the sender like any failed verification.
    const loaded = await loadSnsCertificate(decision.source, decision.url, deps, log, config);
    decision = decide();
    // Not in the store even now (evicted at once, or too many fetches in flight): refuse, do not loop.
    if (decision.kind === 'certificate_needed') decision = certificateUnavailable(decision.source, loaded.ok ? 'the certificate cache is full' : loaded.reason);
  }
  return answer(c, decision, deps, log, config, requestId);
}

/** Loads the certificate into the store, logging and counting the outcome. */
async function loadSnsCertificate(source: string, url: string, deps: RouteDeps, log: LazyLogger, config: RuntimeConfig): Promise<CertificateLoad> {
  const dir = config.settings.sns_cert_dir;
  const certDir = dir === undefined ? undefined : resolve(dirname(resolve(config.settingsFile)), dir);
  const loaded = await deps.snsCertificates.load(url, certDir);
  deps.metrics.snsCertificates.inc({ outcome: loaded.ok ? loaded.source : 'failed' });
  if (loaded.ok && loaded.source !== 'cache') log.info({ source, url, from: loaded.source === 'dir' ? certDir : 'https' }, 'SNS signing certificate loaded');
  if (!loaded.ok) log.warn({ source, url, reason: loaded.reason }, 'SNS signing certificate could not be loaded; message refused');
  return loaded;
}

function certificateUnavailable(source: string, reason: string): Rejection {
  return {
    kind: 'reject',
    status: 401,
    code: 'certificate_unavailable',
    message: `the SNS signing certificate could not be loaded (${reason}), so the message cannot be verified`,
    source,
    details: { header: 'SigningCertURL' },
  };
}

async function answer(c: Context<Env>, decision: IntakeDecision, deps: RouteDeps, log: LazyLogger, config: RuntimeConfig, requestId: string): Promise<Response> {
  const { metrics } = deps;
  switch (decision.kind) {
    case 'reject':
      return refuse(c, decision, deps, log, config);
    case 'handshake': {
      const source = knownSource(config, decision.source);
      metrics.webhooksReceived.inc({ source, event: '', outcome: 'handshake', reason: decision.answer.kind });
      log.info({ source, handshake: decision.answer.kind, ...decision.answer.log }, 'handshake answered; no alert');
      if (decision.answer.kind === 'sns.subscription_confirmation') followSnsConfirmation(decision.answer.log ?? {}, config, log);
      for (const [name, value] of Object.entries(decision.answer.headers ?? {})) c.header(name, value);
      const body = decision.answer.body;
      if (body === undefined) return c.body(null, decision.answer.status as ContentfulStatusCode);
      if (typeof body === 'string') return c.text(body, decision.answer.status as ContentfulStatusCode);
      return c.json(body as object, decision.answer.status as ContentfulStatusCode);
    }
    case 'accept':
      return enqueue(c, decision.source, decision.alerts, decision.skipped, deps, log, requestId);
    case 'certificate_needed':
      return refuse(c, certificateUnavailable(decision.source, 'not loaded'), deps, log, config);
  }
}

function refuse(c: Context<Env>, rejection: Rejection, deps: WebhookDeps, log: LazyLogger, config: RuntimeConfig): Response {
  const source = knownSource(config, rejection.source);
  deps.metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: rejection.code });
  const level = rejection.status === 401 || rejection.status === 403 ? 'warn' : 'info';
  log[level]({ source: rejection.source, status: rejection.status, code: rejection.code, reason: rejection.message }, 'webhook refused');
  return sendError(c, rejection.status, rejection.code, rejection.message, {
    ...(rejection.headers ? { headers: rejection.headers } : {}),
    ...(rejection.details ? { details: rejection.details } : {}),
  });
}

async function enqueue(
  c: Context<Env>,
  source: string,
  planned: readonly PlannedAlert[],
  skippedAtDoor: readonly SkippedItem[],
  deps: RouteDeps,
  log: LazyLogger,
  requestId: string,
): Promise<Response> {
  const { metrics, dispatcher } = deps;
  const claimed = await claimDeliveries(planned, deps);
  if ('failure' in claimed) return refuseUnstored(c, source, claimed.failure, deps, log, 'webhook refused: a concurrent delivery of the same id could not be stored');
  const { alerts, claim } = claimed;
  const skipped = [...skippedAtDoor, ...claimed.duplicates];
  for (const item of skipped) {
    metrics.webhooksReceived.inc({ source, event: item.ruleName ?? '', outcome: item.outcome, reason: '' });
    log.info({ source, event: item.event, outcome: item.outcome, reason: item.reason, alertId: item.id }, `webhook ${item.outcome}`);
  }
  if (alerts.length === 0) {
    claim.stored();
    const first = skipped[0];
    const status = skipped.every((item) => item.outcome === 'duplicate') && skipped.length > 0 ? 'duplicate' : 'ignored';
    return c.json({ status, source, ...(first ? { event: first.event ?? null, reason: first.reason } : {}), ...(skipped.length > 1 ? { skipped } : {}) }, 200);
  }
  if (deps.sharedQueue !== undefined) {
    const record = (keys: readonly string[]): void => {
      const at = deps.now();
      for (const key of keys) deps.dedup.record(key, at);
    };
    return enqueueShared(c, source, alerts, skipped, { queue: deps.sharedQueue, metrics, record, settle: claim, rateLimit: deps.config().sources.get(source)?.rateLimit }, log);
  }

  const bytes = alerts.reduce((sum, planned) => sum + alertBytes(planned.alert), 0);
  const reservation = dispatcher.reserve(alerts.length, bytes);
  if (!reservation) {
    const limit = dispatcher.fullBy(alerts.length, bytes) === 'bytes' ? 'bytes' : 'count';
    metrics.queueFull.inc({ source, limit });
    const setting = limit === 'bytes' ? 'queue_max_bytes' : 'queue_max_size';
    log.warn({ source, limit: setting, waiting: dispatcher.size, inFlight: dispatcher.inFlight, heldBytes: dispatcher.bytes, bytes }, `webhook refused: queue full (${setting})`);
    return refuseUnstored(c, source, limit === 'bytes' ? QUEUE_BYTES_FULL : QUEUE_FULL, deps, log, undefined, claim);
  }
  const storedAt = deps.now();
  const seen = alerts.flatMap(({ dedupKeys }) => dedupKeys.map((key) => ({ key, at: storedAt })));
  try {
    await deps.journal.append(alerts.map((planned) => planned.alert), seen);
  } catch (error) {
    reservation.release();
    log.error({ source, err: error }, 'webhook refused: the journal could not be written; nothing was accepted');
    return refuseUnstored(c, source, JOURNAL_UNAVAILABLE, deps, log, undefined, claim);
  }
  // Durable now: from here a redelivery of these ids is a duplicate, and requests waiting on them can say so.
  for (const { key, at } of seen) deps.dedup.record(key, at);
  claim.stored();
  for (const planned of alerts) {
    const { alert } = planned;
    metrics.webhooksReceived.inc({ source, event: planned.ruleName, outcome: 'queued', reason: '' });
    if (planned.warnings.length > 0) metrics.renderWarnings.inc({ source }, planned.warnings.length);
    if (planned.missing.length > 0 || planned.warnings.length > 0) {
      if (planned.missing.length > 0) metrics.missingFields.inc({ source }, planned.missing.length);
      // A hole is an alert SL1 policies may mis-match: visible at info, but once a minute per line at most.
      const held = deps.holeLog.take(planned.ruleName, deps.now());
      const detail = { alertId: alert.id, source, event: alert.event, rule: planned.ruleName, missing: planned.missing, ...(planned.warnings.length > 0 ? { filterWarnings: planned.warnings } : {}) };
      if (held) log.info({ ...detail, ...(held.suppressed > 0 ? { suppressedSinceLast: held.suppressed } : {}) }, 'alert rendered with fields missing from the payload');
      else log.debug(detail, 'alert rendered with fields missing from the payload');
    }
    log.info({ alertId: alert.id, source, event: alert.event, rule: planned.ruleName }, 'webhook queued');
    // After its "queued" line: in log mode offer() writes the alert's line synchronously.
    reservation.offer(alert);
  }
  reservation.release();

  const [first] = alerts;
  if (alerts.length === 1 && first) {
    const { alert } = first;
    // The common answer, built as a plain Response with plain headers: @hono/node-server writes it without a
    // Headers object (c.json would merge the prepared Headers, which costs more than the rest of the answer).
    const body = JSON.stringify({ id: alert.id, source, event: alert.event ?? null, status: 'queued', ...(skipped.length > 0 ? { skipped } : {}) });
    return new Response(body, { status: 202, headers: { 'content-type': 'application/json', 'x-request-id': requestId } });
  }
  return c.json(
    {
      status: 'queued',
      source,
      alerts: alerts.map(({ alert }) => ({ id: alert.id, event: alert.event ?? null })),
      ...(skipped.length > 0 ? { skipped } : {}),
    },
    202,
  );
}

const QUEUE_FULL: ClaimFailure = {
  status: 503,
  code: 'queue_full',
  message: 'the alert queue is full (queue_max_size); retry later',
  headers: { 'retry-after': '30' },
};
const QUEUE_BYTES_FULL: ClaimFailure = {
  status: 503,
  code: 'queue_full',
  message: 'the alert queue holds as many bytes as it may (queue_max_bytes); retry later',
  headers: { 'retry-after': '30' },
};
const JOURNAL_UNAVAILABLE: ClaimFailure = {
  status: 503,
  code: 'journal_unavailable',
  message: 'GenHook could not store the webhook durably; retry later',
  headers: { 'retry-after': '10' },
};

/**
 * Claims the alerts' delivery keys for this request. While another request holds one, waits for it: what it stored
 * becomes a duplicate here, and its failure is this request's answer too.
 */
async function claimDeliveries(
  planned: readonly PlannedAlert[],
  deps: RouteDeps,
): Promise<{ readonly claim: Claim; readonly alerts: readonly PlannedAlert[]; readonly duplicates: readonly SkippedItem[] } | { readonly failure: ClaimFailure }> {
  let alerts = planned;
  const duplicates: SkippedItem[] = [];
  for (;;) {
    const result = deps.claims.claim(alerts.flatMap((alert) => alert.dedupKeys));
    if ('claim' in result) return { claim: result.claim, alerts, duplicates };
    const outcomes = await result.wait;
    const failed = outcomes.find((outcome) => !outcome.stored);
    if (failed && !failed.stored) return { failure: failed.failure };
    const nowMs = deps.now();
    const fresh: PlannedAlert[] = [];
    for (const planned of alerts) {
      if (!planned.dedupKeys.some((key) => deps.dedup.has(key, nowMs))) {
        fresh.push(planned);
        continue;
      }
      const { alert } = planned;
      duplicates.push({ outcome: 'duplicate', event: alert.event, reason: `delivery ${alert.id} was stored by a concurrent request`, ruleName: planned.ruleName, id: alert.id });
    }
    alerts = fresh;
  }
}

/** A 503 for something not stored; the claim's waiters get the same answer. */
function refuseUnstored(
  c: Context<Env>,
  source: string,
  failure: ClaimFailure,
  deps: RouteDeps,
  log: LazyLogger,
  logMessage?: string,
  claim?: Claim,
): Response {
  claim?.failed(failure);
  deps.metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: failure.code });
  if (logMessage !== undefined) log.warn({ source, code: failure.code }, logMessage);
  return sendError(c, failure.status, failure.code, failure.message, failure.headers ? { headers: failure.headers } : {});
}

/**
 * `sns_auto_confirm = true`: GET the SubscribeURL once the answer is on its way, but only on an SNS
 * endpoint (a refusal is logged before answering). Otherwise say that a person must confirm it.
 */
function followSnsConfirmation(facts: Readonly<Record<string, unknown>>, config: RuntimeConfig, log: LazyLogger): void {
  if (!config.settings.sns_auto_confirm) {
    log.warn(facts, 'SNS subscription not confirmed: sns_auto_confirm = false, so open its SubscribeURL to confirm it by hand');
    return;
  }
  const checked = checkSubscribeUrl(facts['SubscribeURL']);
  if (!checked.ok) {
    log.warn({ ...facts, reason: checked.reason }, 'SNS subscription not confirmed: SubscribeURL refused; no request made');
    return;
  }
  setImmediate(() => void confirmSnsSubscription(checked.url.href, facts, { logger: log.child() }));
}

/** A bounded metric label: configured sources by name, anything else as `unknown`. */
function knownSource(config: RuntimeConfig, source: string | undefined): string {
  const name = source?.toLowerCase();
  return name !== undefined && config.sources.has(name) ? name : 'unknown';
}

function headerValue(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Node lower-cases names already; repeated headers are joined as RFC 9110 allows. */
function flatHeaders(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  const given = incoming.headers;
  // for...in over node's own header object (null prototype): no entries array per request.
  for (const name in given) {
    const value = given[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Headers providers put their delivery id in, so a refused webhook can be found in the provider's log. */
const DELIVERY_ID_HEADERS = ['x-github-delivery', 'x-gitlab-event-uuid', 'x-shopify-webhook-id', 'x-pagerduty-webhook-id', 'x-amz-sns-message-id', 'x-request-id'] as const;

function senderFacts(incoming: HttpBindings['incoming']): Record<string, string> {
  const facts: Record<string, string> = {};
  const address = incoming.socket.remoteAddress;
  if (address !== undefined) facts['clientAddress'] = address;
  const agent = headerValue(incoming, 'user-agent');
  if (agent !== undefined) facts['userAgent'] = agent.slice(0, 200);
  for (const name of DELIVERY_ID_HEADERS) {
    const value = headerValue(incoming, name);
    if (value !== undefined && value !== '') {
      facts['deliveryId'] = value.slice(0, 200);
      break;
    }
  }
  return facts;
}
