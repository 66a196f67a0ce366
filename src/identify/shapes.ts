import { isRecord, readOwn, readString } from './request-view.js';

/**
 * Body shapes of the providers that can be recognised without their headers. Each test is strict
 * enough that one provider's published body does not match another's (a Stripe event is not a Meraki
 * alert, an SNS envelope is not an EventBridge one); the identification order in the table does the rest.
 */

function hasString(value: unknown, key: string): boolean {
  return readString(value, key) !== undefined;
}

function hasKey(value: unknown, key: string): boolean {
  return isRecord(value) && Object.hasOwn(value, key);
}

/** A non-empty array whose every element passes `test` (a loop, so huge arrays cost time, not stack). */
function isBatchOf(value: unknown, test: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const element of value) if (!test(element)) return false;
  return true;
}

/** Stripe event object: `"object": "event"` and an `evt_` id. */
export function isStripeEvent(body: unknown): boolean {
  return readOwn(body, 'object') === 'event' && (readString(body, 'id')?.startsWith('evt_') ?? false);
}

const SLACK_ENVELOPE_TYPES: ReadonlySet<string> = new Set(['url_verification', 'event_callback']);

/** Slack Events API envelope: `url_verification` or `event_callback` with a `token` or `team_id`. */
export function isSlackEnvelope(body: unknown): boolean {
  const type = readString(body, 'type');
  return type !== undefined && SLACK_ENVELOPE_TYPES.has(type) && (hasString(body, 'token') || hasString(body, 'team_id'));
}

/** SNS HTTP/S message: `Type`, `TopicArn` and `MessageId`. */
export function isSnsMessage(body: unknown): boolean {
  return hasString(body, 'Type') && hasString(body, 'TopicArn') && hasString(body, 'MessageId');
}

/** EventBridge event envelope as sent by an API destination. */
export function isEventBridgeEvent(body: unknown): boolean {
  return (
    hasString(body, 'detail-type') &&
    hasString(body, 'source') &&
    hasKey(body, 'detail') &&
    hasString(body, 'version') &&
    hasString(body, 'id')
  );
}

/** One event in the Event Grid schema. */
export function isEventGridEvent(value: unknown): boolean {
  return (
    hasString(value, 'eventType') &&
    hasString(value, 'eventTime') &&
    (hasKey(value, 'dataVersion') || hasKey(value, 'metadataVersion'))
  );
}

/** Event Grid always posts an array, even for one event. */
export function isEventGridBatch(body: unknown): boolean {
  return isBatchOf(body, isEventGridEvent);
}

/** One CloudEvent in structured JSON mode (CloudEvents 1.0 required attributes, bar `id`, which we dedup on). */
export function isCloudEvent(value: unknown): boolean {
  return hasString(value, 'specversion') && hasString(value, 'type') && hasString(value, 'source');
}

/** A single structured CloudEvent or a batch (`application/cloudevents-batch+json`). */
export function isCloudEvents(body: unknown): boolean {
  return isCloudEvent(body) || isBatchOf(body, isCloudEvent);
}

/** Jira webhook: `webhookEvent` plus the numeric `timestamp` every Jira payload carries. */
export function isJiraEvent(body: unknown): boolean {
  return hasString(body, 'webhookEvent') && typeof readOwn(body, 'timestamp') === 'number';
}

/** Meraki alert: an alert type plus its shared secret or its organization and network. */
export function isMerakiAlert(body: unknown): boolean {
  const hasAlertType = hasString(body, 'alertTypeId') || hasString(body, 'alertType');
  const hasOwner = hasKey(body, 'sharedSecret') || (hasKey(body, 'organizationId') && hasKey(body, 'networkId'));
  return hasAlertType && hasOwner;
}

/** PagerDuty V3 webhook: `{ event: { id, event_type, resource_type, ... } }`. */
export function isPagerDutyEvent(body: unknown): boolean {
  const event = readOwn(body, 'event');
  return hasString(event, 'id') && hasString(event, 'event_type') && hasString(event, 'resource_type');
}

/** The envelope Alertmanager-style notifiers post: `alerts` plus `groupKey` and `status`. */
function isAlertGroup(body: unknown): boolean {
  return Array.isArray(readOwn(body, 'alerts')) && hasString(body, 'groupKey') && hasString(body, 'status');
}

/** Grafana alerting webhook: an alert group that also carries Grafana's `orgId` (Alertmanager has none). */
export function isGrafanaAlertGroup(body: unknown): boolean {
  return isAlertGroup(body) && typeof readOwn(body, 'orgId') === 'number';
}

/** Prometheus Alertmanager webhook (`version` "4"): an alert group without Grafana's `orgId`. */
export function isAlertmanagerGroup(body: unknown): boolean {
  return isAlertGroup(body) && !hasKey(body, 'orgId') && hasString(body, 'receiver');
}

/** Azure Monitor action group webhook in the common alert schema. */
export function isAzureMonitorAlert(body: unknown): boolean {
  return readOwn(body, 'schemaId') === 'azureMonitorCommonAlertSchema' && isRecord(readOwn(readOwn(body, 'data'), 'essentials'));
}

/** Google Cloud Monitoring webhook: `{ incident: { incident_id, ... }, version }`. */
export function isGcpMonitoringIncident(body: unknown): boolean {
  return hasString(readOwn(body, 'incident'), 'incident_id') && hasString(body, 'version');
}

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
