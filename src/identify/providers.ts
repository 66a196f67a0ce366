import {
  cloudEventsAbuseProtection,
  eventGridDeletion,
  eventGridValidation,
  githubPing,
  slackUrlVerification,
  snsSubscriptionConfirmation,
  snsUnsubscribeConfirmation,
} from '../handshake/answers.js';
import {
  readAlertGroupKey,
  readAwsEvent,
  readAzureMonitorKey,
  readGcpIncidentKey,
  readGithubEvent,
  readJiraEvent,
  readSentryEvent,
  readSlackEvent,
} from './provider-readers.js';
import type { ProviderRow } from './provider-row.js';
import {
  isAlertmanagerGroup,
  isAzureMonitorAlert,
  isCloudEvents,
  isDatadogEvent,
  isEventBridgeEvent,
  isEventGridBatch,
  isGcpMonitoringIncident,
  isGrafanaAlertGroup,
  isJiraEvent,
  isMerakiAlert,
  isPagerDutyEvent,
  isSlackEnvelope,
  isSnsMessage,
  isStripeEvent,
} from './shapes.js';

const githubRow: ProviderRow = {
  name: 'github',
  headers: ['x-github-event'],
  event: readGithubEvent,
  deliveryId: [{ header: 'x-github-delivery' }],
  split: 'whole',
  handshakes: [githubPing],
  signature: 'github',
};

const stripeRow: ProviderRow = {
  name: 'stripe',
  headers: ['stripe-signature'],
  bodyShape: isStripeEvent,
  event: [{ item: 'type' }],
  deliveryId: [{ item: 'id' }],
  split: 'whole',
  handshakes: [],
  signature: 'stripe',
};

const slackRow: ProviderRow = {
  name: 'slack',
  headers: ['x-slack-signature'],
  bodyShape: isSlackEnvelope,
  event: readSlackEvent,
  deliveryId: [{ item: 'event_id' }],
  split: 'whole',
  handshakes: [slackUrlVerification],
  signature: 'slack',
};

// Shopify's newer "events" delivery sends the same headers without the `X-` prefix.
const shopifyRow: ProviderRow = {
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

// SNS is checked before EventBridge and both before the looser shapes; an SNS body has no `detail-type`.
const awsRow: ProviderRow = {
  name: 'aws',
  headers: ['x-amz-sns-message-type'],
  bodyShape: (body) => isSnsMessage(body) || isEventBridgeEvent(body),
  event: readAwsEvent,
  deliveryId: [{ item: 'MessageId' }, { header: 'x-amz-sns-message-id' }, { item: 'id' }],
  split: 'whole',
  handshakes: [snsSubscriptionConfirmation, snsUnsubscribeConfirmation],
  signature: undefined,
};

// Event Grid schema (`eventType`) and CloudEvents, structured (`type`) or binary mode (`ce-*` headers).
const azureRow: ProviderRow = {
  name: 'azure',
  headers: ['aeg-event-type', 'ce-specversion'],
  bodyShape: (body) => isEventGridBatch(body) || isCloudEvents(body),
  event: [{ item: 'eventType' }, { item: 'type' }, { header: 'ce-type' }],
  deliveryId: [{ item: 'id' }, { header: 'ce-id' }],
  split: 'array',
  handshakes: [cloudEventsAbuseProtection, eventGridValidation, eventGridDeletion],
  signature: undefined,
};

const jiraRow: ProviderRow = {
  name: 'jira',
  headers: ['x-atlassian-webhook-identifier'],
  bodyShape: isJiraEvent,
  event: readJiraEvent,
  deliveryId: [{ header: 'x-atlassian-webhook-identifier' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:X-Hub-Signature:hex:sha256=',
};

const sentryRow: ProviderRow = {
  name: 'sentry',
  headers: ['sentry-hook-resource'],
  event: readSentryEvent,
  deliveryId: [{ header: 'request-id' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:Sentry-Hook-Signature:hex',
};

const pagerdutyRow: ProviderRow = {
  name: 'pagerduty',
  headers: ['x-pagerduty-signature'],
  bodyShape: isPagerDutyEvent,
  event: [{ item: 'event.event_type' }],
  deliveryId: [{ item: 'event.id' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:X-PagerDuty-Signature:hex:v1=:multiple',
};

// Grafana's webhook is an Alertmanager-style group plus `orgId`; it is tested first. Both send one alert per
// element of `alerts`, whose event is its own status (Alertmanager's oldest releases set it only on the group).
const grafanaRow: ProviderRow = {
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

const alertmanagerRow: ProviderRow = {
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

const azureMonitorRow: ProviderRow = {
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

const gcpMonitoringRow: ProviderRow = {
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

// Datadog's payload is whatever the webhook's template says; the row reads its default payload.
const datadogRow: ProviderRow = {
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

// Meraki has no identifying header and the loosest shape, so it comes last.
const merakiRow: ProviderRow = {
  name: 'meraki',
  headers: [],
  bodyShape: isMerakiAlert,
  event: [{ item: 'alertTypeId' }, { item: 'alertType' }],
  deliveryId: [{ item: 'alertId' }],
  split: 'whole',
  handshakes: [],
  signature: 'meraki',
};

/** Known providers, in identification order. */
export const PROVIDERS: readonly ProviderRow[] = deepFreeze([
  githubRow,
  stripeRow,
  slackRow,
  shopifyRow,
  awsRow,
  azureRow,
  jiraRow,
  sentryRow,
  pagerdutyRow,
  grafanaRow,
  alertmanagerRow,
  azureMonitorRow,
  gcpMonitoringRow,
  datadogRow,
  merakiRow,
]);

/**
 * What a source with no known provider gets: common field names, common id headers, and the
 * CloudEvents `OPTIONS` probe (it may reach any URL before anyone configured a provider).
 */
export const GENERIC_PROVIDER: ProviderRow = deepFreeze({
  name: 'generic',
  headers: [],
  event: [
    { item: 'event' },
    { item: 'event_type' },
    { item: 'eventType' },
    { item: 'type' },
    { item: 'action' },
    { header: 'x-event-type' },
    { header: 'x-event-key' },
  ],
  deliveryId: [{ header: 'x-request-id' }, { header: 'x-delivery-id' }, { header: 'idempotency-key' }, { item: 'id' }],
  split: 'array',
  handshakes: [cloudEventsAbuseProtection],
  signature: undefined,
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
