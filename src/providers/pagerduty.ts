import { readOwn } from '../payload/index.js';
import { hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** PagerDuty V3 webhook: `{ event: { id, event_type, resource_type, ... } }`. */
export function isPagerDutyEvent(body: unknown): boolean {
  const event = readOwn(body, 'event');
  return hasString(event, 'id') && hasString(event, 'event_type') && hasString(event, 'resource_type');
}

export const pagerduty: ProviderRow = {
  name: 'pagerduty',
  headers: ['x-pagerduty-signature'],
  bodyShape: isPagerDutyEvent,
  event: [{ item: 'event.event_type' }],
  deliveryId: [{ item: 'event.id' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:X-PagerDuty-Signature:hex:v1=:multiple',
};
