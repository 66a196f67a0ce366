import { isRecord, readHeader, readOwn, readString, type RequestView } from '../payload/index.js';
import { defineHandshake } from './handshake.js';
import { hasKey, hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** SNS HTTP/S message: `Type`, `TopicArn` and `MessageId`. */
export function isSnsMessage(body: unknown): boolean {
  return hasString(body, 'Type') && hasString(body, 'TopicArn') && hasString(body, 'MessageId');
}

/** EventBridge event envelope as sent by an API destination. */
export function isEventBridgeEvent(body: unknown): boolean {
  return (
    hasString(body, 'detail-type') &&
    hasString(body, 'source') &&
    hasKey(body, 'detail') &&
    hasString(body, 'version') &&
    hasString(body, 'id')
  );
}

/** SNS message type from the header SNS sets, else from the body (`Type`). */
export function readSnsType(req: RequestView, item: unknown): string | undefined {
  return readHeader(req, 'x-amz-sns-message-type') ?? readString(item, 'Type');
}

/**
 * AWS: SNS messages become `sns.notification`, `sns.cloudwatch_alarm` (a Notification whose `Message`
 * is a JSON string holding `AlarmName`), `sns.subscriptionconfirmation`, `sns.unsubscribeconfirmation`;
 * EventBridge events keep their `detail-type` verbatim.
 */
export function readAwsEvent(req: RequestView, item: unknown): unknown {
  const snsType = readSnsType(req, item);
  if (snsType === undefined) return readOwn(item, 'detail-type');
  if (snsType !== 'Notification') return `sns.${snsType.toLowerCase()}`;
  return isCloudWatchAlarm(readOwn(item, 'Message')) ? 'sns.cloudwatch_alarm' : 'sns.notification';
}

function isCloudWatchAlarm(message: unknown): boolean {
  // Cheap text test first: most notifications are not alarms and need no parse.
  if (typeof message !== 'string' || !message.includes('"AlarmName"')) return false;
  try {
    const decoded: unknown = JSON.parse(message);
    return isRecord(decoded) && typeof readOwn(decoded, 'AlarmName') === 'string';
  } catch {
    return false;
  }
}

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

// SNS is checked before EventBridge and both before the looser shapes; an SNS body has no `detail-type`.
export const aws: ProviderRow = {
  name: 'aws',
  headers: ['x-amz-sns-message-type'],
  bodyShape: (body) => isSnsMessage(body) || isEventBridgeEvent(body),
  event: readAwsEvent,
  deliveryId: [{ item: 'MessageId' }, { header: 'x-amz-sns-message-id' }, { item: 'id' }],
  split: 'whole',
  handshakes: [snsSubscriptionConfirmation, snsUnsubscribeConfirmation],
  signature: undefined,
};
