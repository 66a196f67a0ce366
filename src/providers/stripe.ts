import { readOwn, readString } from '../payload/index.js';
import type { ProviderRow } from './provider-row.js';

/** Stripe event object: `"object": "event"` and an `evt_` id. */
export function isStripeEvent(body: unknown): boolean {
  return readOwn(body, 'object') === 'event' && (readString(body, 'id')?.startsWith('evt_') ?? false);
}

export const stripe: ProviderRow = {
  name: 'stripe',
  headers: ['stripe-signature'],
  bodyShape: isStripeEvent,
  event: [{ item: 'type' }],
  deliveryId: [{ item: 'id' }],
  split: 'whole',
  handshakes: [],
  signature: 'stripe',
};
