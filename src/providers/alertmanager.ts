import { isAlertGroup, readAlertGroupKey } from './alert-group.js';
import { hasKey, hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Prometheus Alertmanager webhook (`version` "4"): an alert group without Grafana's `orgId`. */
export function isAlertmanagerGroup(body: unknown): boolean {
  return isAlertGroup(body) && !hasKey(body, 'orgId') && hasString(body, 'receiver');
}

export const alertmanager: ProviderRow = {
  name: 'alertmanager',
  headers: [],
  bodyShape: isAlertmanagerGroup,
  event: [{ item: 'status' }, { body: 'status' }],
  deliveryId: readAlertGroupKey,
  split: { path: 'alerts' },
  handshakes: [],
  // Alertmanager does not sign; its http_config sends Basic or Bearer credentials (see README).
  signature: undefined,
};
