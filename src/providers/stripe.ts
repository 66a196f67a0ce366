import { readOwn, readString } from '../payload/index.js';
import type { ProviderRow } from './provider-row.js';

/** Stripe event (`"object": "event"`) or thin event notification (`"object": "v2.core.event"`) with an `evt_` id. */
export function isStripeEvent(body: unknown): boolean {
  const object = readOwn(body, 'object');
  return (object === 'event' || object === 'v2.core.event') && (readString(body, 'id')?.startsWith('evt_') ?? false);
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
