import { readOwn } from '../payload/index.js';
import { isAlertGroup, readAlertGroupKey } from './alert-group.js';
import type { ProviderRow } from './provider-row.js';

/** Grafana alerting webhook: an alert group that also carries Grafana's `orgId` (Alertmanager has none). */
export function isGrafanaAlertGroup(body: unknown): boolean {
  return isAlertGroup(body) && typeof readOwn(body, 'orgId') === 'number';
}

// Grafana's webhook is an Alertmanager-style group plus `orgId`; it is tested first. Both send one alert per
// element of `alerts`, whose event is its own status (Alertmanager's oldest releases set it only on the group).
export const grafana: ProviderRow = {
  name: 'grafana',
  headers: [],
  bodyShape: isGrafanaAlertGroup,
  event: [{ item: 'status' }, { body: 'status' }],
  deliveryId: readAlertGroupKey,
  split: { path: 'alerts' },
  handshakes: [],
  // Grafana signs only when the contact point has an HMAC secret (no timestamp header by default).
  signature: 'hmac-sha256:X-Grafana-Alerting-Signature:hex',
};
