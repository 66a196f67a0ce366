import { readHeader, readOwn, readPath, readString } from '../identify/request-view.js';
import { readSnsType } from '../identify/provider-readers.js';
import type { RequestView } from '../identify/request-view.js';
import type { Handshake, HandshakeAnswer } from './types.js';

/** Builds a frozen row entry; the answer gets its own `kind` so it cannot drift from the row's. */
function defineHandshake(
  kind: string,
  unsigned: boolean,
  answer: (req: RequestView, kind: string) => HandshakeAnswer | undefined,
): Handshake {
  return Object.freeze({ kind, unsigned, answer: (req: RequestView) => answer(req, kind) });
}

/** Slack Events API: answer `url_verification` with its `challenge`. */
export const slackUrlVerification = defineHandshake('slack.url_verification', false, (req, kind) => {
  if (readString(req.body, 'type') !== 'url_verification') return undefined;
  const challenge = readString(req.body, 'challenge');
  if (challenge === undefined) return { kind, status: 400, body: { error: 'url_verification without a string challenge' } };
  return { kind, status: 200, body: { challenge } };
});

/** GitHub sends `ping` when a hook is created; any 2xx completes it. */
export const githubPing = defineHandshake('github.ping', false, (req, kind) => {
  if (readHeader(req, 'x-github-event') !== 'ping') return undefined;
  const zen = readString(req.body, 'zen');
  return { kind, status: 200, body: { status: 'pong', ...(zen !== undefined && { zen }) }, log: { hook_id: readOwn(req.body, 'hook_id') } };
});

const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const DELETION_EVENT = 'Microsoft.EventGrid.SubscriptionDeletedEvent';

/** The first element of an Event Grid body (array, or a lone object) with this `eventType`. */
function findEventGridElement(body: unknown, eventType: string): unknown {
  const elements: readonly unknown[] = Array.isArray(body) ? body : [body];
  for (const element of elements) if (readString(element, 'eventType') === eventType) return element;
  return undefined;
}

/** Event Grid validation: 200 (202 is rejected) with `{ validationResponse }` within 30 s. */
export const eventGridValidation = defineHandshake('eventgrid.subscription_validation', false, (req, kind) => {
  const element = findEventGridElement(req.body, VALIDATION_EVENT);
  if (readHeader(req, 'aeg-event-type') !== 'SubscriptionValidation' && element === undefined) return undefined;
  const code = readPath(element, ['data', 'validationCode']);
  const validationUrl = readPath(element, ['data', 'validationUrl']);
  const log = typeof validationUrl === 'string' ? { validationUrl } : undefined;
  if (typeof code !== 'string') {
    return { kind, status: 400, body: { error: 'SubscriptionValidation without data.validationCode' } };
  }
  return { kind, status: 200, body: { validationResponse: code }, ...(log && { log }) };
});

/** Event Grid tells us a subscription is gone; acknowledge, alert nobody. */
export const eventGridDeletion = defineHandshake('eventgrid.subscription_deletion', false, (req, kind) => {
  const isDeletion =
    readHeader(req, 'aeg-event-type') === 'SubscriptionDeletion' ||
    findEventGridElement(req.body, DELETION_EVENT) !== undefined;
  return isDeletion ? { kind, status: 200 } : undefined;
});

// A DNS name (CloudEvents webhook spec §4.1: the origin is the sender's host name); nothing else is echoed back.
const ORIGIN = /^[A-Za-z0-9](?:[A-Za-z0-9.\-:]{0,252})$/;
const RATE = /^[1-9][0-9]{0,8}$/;

/**
 * CloudEvents webhook abuse protection (spec §4): `OPTIONS` with `WebHook-Request-Origin`.
 * Unsigned by design, and may arrive before any source is known.
 */
export const cloudEventsAbuseProtection = defineHandshake('cloudevents.abuse_protection', true, (req, kind) => {
  if (req.method.toUpperCase() !== 'OPTIONS') return undefined;
  const origin = readHeader(req, 'webhook-request-origin');
  if (origin === undefined) return undefined;
  if (!ORIGIN.test(origin)) return { kind, status: 400, body: { error: 'WebHook-Request-Origin is not a host name' } };
  const headers: Record<string, string> = { 'WebHook-Allowed-Origin': origin, Allow: 'POST' };
  const rate = readHeader(req, 'webhook-request-rate');
  // Echo a plain requested rate; anything else gets "*" (no limit), which the spec allows.
  if (rate !== undefined) headers['WebHook-Allowed-Rate'] = RATE.test(rate) ? rate : '*';
  return { kind, status: 200, headers };
});

function snsLog(req: RequestView): Record<string, unknown> {
  const log: Record<string, unknown> = {};
  for (const key of ['SubscribeURL', 'TopicArn', 'MessageId'] as const) {
    const value = readString(req.body, key);
    if (value !== undefined) log[key] = value;
  }
  return log;
}

/** SNS `SubscriptionConfirmation`: the HTTP edge decides whether to GET `SubscribeURL` (a setting). */
export const snsSubscriptionConfirmation = defineHandshake('sns.subscription_confirmation', false, (req, kind) => {
  return readSnsType(req, req.body) === 'SubscriptionConfirmation' ? { kind, status: 200, log: snsLog(req) } : undefined;
});

/** SNS `UnsubscribeConfirmation`: acknowledge; its `SubscribeURL` would resubscribe, so only log it. */
export const snsUnsubscribeConfirmation = defineHandshake('sns.unsubscribe_confirmation', false, (req, kind) => {
  return readSnsType(req, req.body) === 'UnsubscribeConfirmation' ? { kind, status: 200, log: snsLog(req) } : undefined;
});
