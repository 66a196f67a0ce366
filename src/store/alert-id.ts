import { createHash, randomUUID } from 'node:crypto';

// Delivery ids are short in practice; a hash keeps a hostile or odd one from bloating every log line and record.
const MAX_DELIVERY_ID_LENGTH = 128;

/**
 * The stable id of one alert. With the provider's delivery id (`X-GitHub-Delivery`, Stripe's `evt_...`) it is
 * deterministic, so a redelivery of the same webhook gets the same id and the journal and logs recognise it;
 * element `i > 0` of a batched payload gets `#i`. Without one, a random id.
 *
 * @example
 * alertIdFor('github', '72d3162e-cc78-11e3-81ab-4c9367dc0958', 0) // 'github:72d3162e-cc78-11e3-81ab-4c9367dc0958'
 * alertIdFor('sns', 'abc', 2) // 'sns:abc#2'
 */
export function alertIdFor(source: string, deliveryId: string | undefined, itemIndex: number): string {
  if (deliveryId === undefined || deliveryId === '') return `${source}:${randomUUID()}`;
  const key =
    deliveryId.length <= MAX_DELIVERY_ID_LENGTH
      ? deliveryId
      : createHash('sha256').update(deliveryId).digest('base64url').slice(0, 22);
  return itemIndex > 0 ? `${source}:${key}#${itemIndex}` : `${source}:${key}`;
}
