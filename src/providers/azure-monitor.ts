import { isRecord, readOwn } from '../payload/index.js';
import { joinedKey } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Azure Monitor action group webhook in the common alert schema. */
export function isAzureMonitorAlert(body: unknown): boolean {
  return readOwn(body, 'schemaId') === 'azureMonitorCommonAlertSchema' && isRecord(readOwn(readOwn(body, 'data'), 'essentials'));
}

/** Azure Monitor: one alert instance (`alertId`) fires once and resolves once. */
export function readAzureMonitorKey(_req: unknown, item: unknown): string | undefined {
  return joinedKey(item, [['data', 'essentials', 'alertId'], ['data', 'essentials', 'monitorCondition']]);
}

export const azureMonitor: ProviderRow = {
  name: 'azuremonitor',
  headers: [],
  bodyShape: isAzureMonitorAlert,
  event: [{ item: 'data.essentials.monitorCondition' }],
  deliveryId: readAzureMonitorKey,
  split: 'whole',
  handshakes: [],
  // Action groups do not sign (secure webhooks send an Entra ID bearer token instead).
  signature: undefined,
};
