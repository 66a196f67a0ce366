import type { ProviderRow } from './provider-row.js';

// Shopify's newer "events" delivery sends the same headers without the `X-` prefix.
export const shopify: ProviderRow = {
  name: 'shopify',
  headers: ['x-shopify-topic', 'shopify-topic'],
  event: [{ header: 'x-shopify-topic' }, { header: 'shopify-topic' }],
  deliveryId: [
    { header: 'x-shopify-event-id' },
    { header: 'shopify-event-id' },
    { header: 'x-shopify-webhook-id' },
    { header: 'shopify-webhook-id' },
  ],
  split: 'whole',
  handshakes: [],
  signature: 'shopify',
};
