import { createHash, randomUUID } from 'node:crypto';

// Delivery ids are short in practice; a hash keeps a hostile or odd one from bloating every log line and record.
const MAX_DELIVERY_ID_LENGTH = 128;

/**
 * The stable id of one alert. With a delivery key (`X-GitHub-Delivery`, Stripe's `evt_...`, an Event Grid
 * element's own `id`, or a batch element's positional `<request id>#<index>`) it is deterministic, so a
 * redelivery of the same webhook gets the same id and the journal and logs recognise it. Without one, a random id.
 *
 * @example
 * alertIdFor('github', '72d3162e-cc78-11e3-81ab-4c9367dc0958') // 'github:72d3162e-cc78-11e3-81ab-4c9367dc0958'
 * alertIdFor('azure', 'X#1') // 'azure:X#1'
 */
export function alertIdFor(source: string, deliveryKey: string | undefined): string {
  if (deliveryKey === undefined || deliveryKey === '') return `${source}:${randomUUID()}`;
  const key =
    deliveryKey.length <= MAX_DELIVERY_ID_LENGTH
      ? deliveryKey
      : createHash('sha256').update(deliveryKey).digest('base64url').slice(0, 22);
  return `${source}:${key}`;
}
