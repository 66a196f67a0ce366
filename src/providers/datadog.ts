import { isRecord, readOwn } from '../payload/index.js';
import { hasKey, hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Datadog webhook in its default payload: `id`, `event_type`, `title`, `last_updated` and `org`. */
export function isDatadogEvent(body: unknown): boolean {
  return (
    hasString(body, 'event_type') &&
    hasString(body, 'title') &&
    hasKey(body, 'last_updated') &&
    hasKey(body, 'id') &&
    isRecord(readOwn(body, 'org'))
  );
}

// Datadog's payload is whatever the webhook's template says; the row reads its default payload.
export const datadog: ProviderRow = {
  name: 'datadog',
  headers: [],
  bodyShape: isDatadogEvent,
  event: [{ item: 'event_type' }],
  deliveryId: [{ item: 'id' }],
  split: 'whole',
  handshakes: [],
  // Datadog does not sign; a webhook can send custom headers (a bearer token or Basic credentials).
  signature: undefined,
};
