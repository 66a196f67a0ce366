/**
 * The webhook route's handler: read the body within the limit, let the pure intake decide, then answer: a
 * refusal, a handshake (handshake-answer.ts), or the enqueue edge (enqueue-alerts.ts), which journals (fsync)
 * before answering 2xx and hands the alerts to the dispatcher. It reads node's IncomingMessage and returns the
 * answer as a value; the node:http edge (webhook-edge.ts) writes it.
 */
import { dirname, resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { RuntimeConfig } from '../config/runtime.js';
import { decideIntake, reject, type IntakeDecision, type Rejection } from '../intake/index.js';
import { lazyChild, type LazyLogger } from '../ops/logger.js';
import { oncePerInterval } from '../ops/once-per-interval.js';
import { DeliveryClaims } from './delivery-claims.js';
import { enqueueAlerts } from './enqueue-alerts.js';
import { answerHandshake } from './handshake-answer.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from './read-body.js';
import { flatHeaders, knownSource, senderFacts } from './request-facts.js';
import type { CertificateLoad } from './sns-certificates.js';
import { errorAnswer, type WebhookAnswer } from './webhook-answer.js';
import type { RouteDeps, WebhookDeps } from './webhook-deps.js';

/** A line that renders with holes is logged at info at most this often (the metric counts every one). */
export const HOLE_LOG_INTERVAL_MS = 60_000;

/** What the route's requests share: the deps plus the hole-log limiter and the delivery claims. */
export function routeDeps(deps: WebhookDeps): RouteDeps {
  return { ...deps, holeLog: oncePerInterval(HOLE_LOG_INTERVAL_MS), claims: new DeliveryClaims() };
}

export async function receiveWebhook(incoming: IncomingMessage, sourceParam: string | undefined, deps: RouteDeps, requestId: string): Promise<WebhookAnswer> {
  // On every line about this request (made only when one is written): who sent it, which delivery it was.
  const log = lazyChild(deps.logger, () => ({ reqId: requestId, ...senderFacts(incoming) }));

  if (deps.isDraining()) {
    return errorAnswer('shutting_down', 'GenHook is shutting down; retry shortly', { headers: { 'retry-after': '5', connection: 'close' } });
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
      return errorAnswer(error.code, error.message, { headers: { connection: 'close' } });
    }
    throw error;
  }

  const request = {
    method: incoming.method ?? '',
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
  return answer(decision, deps, log, config);
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
  const message = `the SNS signing certificate could not be loaded (${reason}), so the message cannot be verified`;
  return reject('certificate_unavailable', message, source, { details: { header: 'SigningCertURL' } });
}

function answer(decision: IntakeDecision, deps: RouteDeps, log: LazyLogger, config: RuntimeConfig): WebhookAnswer | Promise<WebhookAnswer> {
  switch (decision.kind) {
    case 'reject':
      return refuse(decision, deps, log, config);
    case 'handshake':
      return answerHandshake(decision, deps.metrics, log, config);
    case 'accept':
      return enqueueAlerts(decision.source, decision.alerts, decision.skipped, deps, log);
    case 'certificate_needed':
      return refuse(certificateUnavailable(decision.source, 'not loaded'), deps, log, config);
  }
}

function refuse(rejection: Rejection, deps: WebhookDeps, log: LazyLogger, config: RuntimeConfig): WebhookAnswer {
  const source = knownSource(config, rejection.source);
  deps.metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: rejection.code });
  const level = rejection.status === 401 || rejection.status === 403 ? 'warn' : 'info';
  log[level]({ source: rejection.source, status: rejection.status, code: rejection.code, reason: rejection.message }, 'webhook refused');
  return errorAnswer(rejection.code, rejection.message, {
    ...(rejection.headers ? { headers: rejection.headers } : {}),
    ...(rejection.details ? { details: rejection.details } : {}),
  });
}
