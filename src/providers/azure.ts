import { readHeader, readPath, readString } from '../payload/index.js';
import { cloudEventsAbuseProtection, isCloudEvents } from './cloudevents.js';
import { defineHandshake } from './handshake.js';
import { hasKey, hasString, isBatchOf } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** One event in the Event Grid schema. */
export function isEventGridEvent(value: unknown): boolean {
  return (
    hasString(value, 'eventType') &&
    hasString(value, 'eventTime') &&
    (hasKey(value, 'dataVersion') || hasKey(value, 'metadataVersion'))
  );
}

/** Event Grid always posts an array, even for one event. */
export function isEventGridBatch(body: unknown): boolean {
  return isBatchOf(body, isEventGridEvent);
}

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
    return { kind, refusal: 'SubscriptionValidation without data.validationCode' };
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

// Event Grid schema (`eventType`) and CloudEvents, structured (`type`) or binary mode (`ce-*` headers).
export const azure: ProviderRow = {
  name: 'azure',
  headers: ['aeg-event-type', 'ce-specversion'],
  bodyShape: (body) => isEventGridBatch(body) || isCloudEvents(body),
  event: [{ item: 'eventType' }, { item: 'type' }, { header: 'ce-type' }],
  deliveryId: [{ item: 'id' }, { header: 'ce-id' }],
  split: 'array',
  handshakes: [cloudEventsAbuseProtection, eventGridValidation, eventGridDeletion],
  signature: undefined,
};
