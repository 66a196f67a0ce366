import { readOwn } from '../payload/index.js';
import { hasString, joinedKey } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Google Cloud Monitoring webhook: `{ incident: { incident_id, ... }, version }`. */
export function isGcpMonitoringIncident(body: unknown): boolean {
  return hasString(readOwn(body, 'incident'), 'incident_id') && hasString(body, 'version');
}

/** Google Cloud Monitoring: an incident opens and closes under one `incident_id`. */
export function readGcpIncidentKey(_req: unknown, item: unknown): string | undefined {
  return joinedKey(item, [['incident', 'incident_id'], ['incident', 'state']]);
}

export const gcpMonitoring: ProviderRow = {
  name: 'gcpmonitoring',
  headers: [],
  bodyShape: isGcpMonitoringIncident,
  event: [{ item: 'incident.state' }],
  deliveryId: readGcpIncidentKey,
  split: 'whole',
  handshakes: [],
  // Cloud Monitoring does not sign; its webhook channel can send Basic credentials.
  signature: undefined,
};
