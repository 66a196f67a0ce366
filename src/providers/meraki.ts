import { hasKey, hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Meraki alert: an alert type plus its shared secret or its organization and network. */
export function isMerakiAlert(body: unknown): boolean {
  const hasAlertType = hasString(body, 'alertTypeId') || hasString(body, 'alertType');
  const hasOwner = hasKey(body, 'sharedSecret') || (hasKey(body, 'organizationId') && hasKey(body, 'networkId'));
  return hasAlertType && hasOwner;
}

// Meraki has no identifying header and the loosest shape, so it comes last.
export const meraki: ProviderRow = {
  name: 'meraki',
  headers: [],
  bodyShape: isMerakiAlert,
  event: [{ item: 'alertTypeId' }, { item: 'alertType' }],
  deliveryId: [{ item: 'alertId' }],
  split: 'whole',
  handshakes: [],
  signature: 'meraki',
};
