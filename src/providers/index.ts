/**
 * The provider table: one file per provider (identification, event reader, handshakes, default signature,
 * dedup key), listed here in identification order. A new provider is a new file and a new line below.
 */
import { alertmanager } from './alertmanager.js';
import { aws } from './aws.js';
import { azureMonitor } from './azure-monitor.js';
import { azure } from './azure.js';
import { datadog } from './datadog.js';
import { gcpMonitoring } from './gcp-monitoring.js';
import { generic } from './generic.js';
import { grafana } from './grafana.js';
import { github } from './github.js';
import { jira } from './jira.js';
import { meraki } from './meraki.js';
import { pagerduty } from './pagerduty.js';
import type { ProviderRow } from './provider-row.js';
import { sentry } from './sentry.js';
import { shopify } from './shopify.js';
import { slack } from './slack.js';
import { stripe } from './stripe.js';

export type { Handshake, HandshakeAnswer } from './handshake.js';
export type { Accessor, ItemReader, Lookup, ProviderRow } from './provider-row.js';

/** Known providers, in identification order. */
export const PROVIDERS: readonly ProviderRow[] = deepFreeze([
  github,
  stripe,
  slack,
  shopify,
  aws,
  azure,
  jira,
  sentry,
  pagerduty,
  grafana,
  alertmanager,
  azureMonitor,
  gcpMonitoring,
  datadog,
  meraki,
]);

/** What a source with no known provider gets (see ./generic.ts). */
export const GENERIC_PROVIDER: ProviderRow = deepFreeze(generic);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
