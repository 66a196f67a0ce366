/** A provider's handshake (URL verification, CloudEvents probe, SNS subscription) answered as intake decided; no alert. */
import type { RuntimeConfig } from '../config/runtime.js';
import type { IntakeDecision } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { knownSource } from './request-facts.js';
import { checkSubscribeUrl, confirmSnsSubscription } from './sns-confirm.js';
import { errorAnswer, jsonAnswer, type WebhookAnswer } from './webhook-answer.js';

type Handshake = Extract<IntakeDecision, { kind: 'handshake' }>;

export function answerHandshake(decision: Handshake, metrics: Metrics, log: LazyLogger, config: RuntimeConfig): WebhookAnswer {
  const source = knownSource(config, decision.source);
  metrics.webhooksReceived.inc({ source, event: '', outcome: 'handshake', reason: decision.answer.kind });
  log.info({ source, handshake: decision.answer.kind, ...decision.answer.log }, 'handshake answered; no alert');
  if (decision.answer.kind === 'sns.subscription_confirmation') followSnsConfirmation(decision.answer.log ?? {}, config, log);
  const { answer } = decision;
  if ('refusal' in answer) return errorAnswer('invalid_handshake', answer.refusal);
  const { body, status, headers = {} } = answer;
  if (body === undefined) return { status, body: undefined, headers };
  if (typeof body === 'string') return { status, body: { text: body }, headers };
  return jsonAnswer(status, body, headers);
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
