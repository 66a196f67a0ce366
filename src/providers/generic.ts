import { cloudEventsAbuseProtection } from './cloudevents.js';
import type { ProviderRow } from './provider-row.js';

/**
 * What a source with no known provider gets: common field names, common id headers, and the
 * CloudEvents `OPTIONS` probe (it may reach any URL before anyone configured a provider).
 */
export const generic: ProviderRow = {
  name: 'generic',
  headers: [],
  event: [
    { item: 'event' },
    { item: 'event_type' },
    { item: 'eventType' },
    { item: 'type' },
    { item: 'action' },
    { header: 'x-event-type' },
    { header: 'x-event-key' },
  ],
  deliveryId: [{ header: 'x-request-id' }, { header: 'x-delivery-id' }, { header: 'idempotency-key' }, { item: 'id' }],
  split: 'array',
  handshakes: [cloudEventsAbuseProtection],
  signature: undefined,
};
