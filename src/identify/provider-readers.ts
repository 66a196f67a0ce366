import { isRecord, isSafeString, readHeader, readOwn, readPath, readString } from './request-view.js';
import type { RequestView } from './request-view.js';

/**
 * The few event readers that need logic rather than a field path. Each returns a candidate;
 * the caller still rejects anything that is not a short safe string.
 */

/** GitHub: `x-github-event`, plus `.action` when the body has one (`pull_request.opened`). */
export function readGithubEvent(req: RequestView, item: unknown): string | undefined {
  return joinWithAction(readHeader(req, 'x-github-event'), item);
}

/** Sentry: `sentry-hook-resource`, plus `.action` (`issue.created`, `metric_alert.critical`). */
export function readSentryEvent(req: RequestView, item: unknown): string | undefined {
  return joinWithAction(readHeader(req, 'sentry-hook-resource'), item);
}

function joinWithAction(name: string | undefined, item: unknown): string | undefined {
  if (!isSafeString(name)) return undefined;
  const action = readOwn(item, 'action');
  return isSafeString(action) ? `${name}.${action}` : name;
}

/** Slack: the inner `event.type` of an `event_callback`, else the outer `type` (`app_rate_limited`). */
export function readSlackEvent(_req: RequestView, item: unknown): unknown {
  const type = readOwn(item, 'type');
  return type === 'event_callback' ? readPath(item, ['event', 'type']) : type;
}

/** Jira: `webhookEvent` without the `jira:` prefix some events carry (`jira:issue_created` → `issue_created`). */
export function readJiraEvent(_req: RequestView, item: unknown): unknown {
  const event = readOwn(item, 'webhookEvent');
  return typeof event === 'string' && event.startsWith('jira:') ? event.slice('jira:'.length) : event;
}

/** SNS message type from the header SNS sets, else from the body (`Type`). */
export function readSnsType(req: RequestView, item: unknown): string | undefined {
  return readHeader(req, 'x-amz-sns-message-type') ?? readString(item, 'Type');
}

/**
 * AWS: SNS messages become `sns.notification`, `sns.cloudwatch_alarm` (a Notification whose `Message`
 * is a JSON string holding `AlarmName`), `sns.subscriptionconfirmation`, `sns.unsubscribeconfirmation`;
 * EventBridge events keep their `detail-type` verbatim.
 */
export function readAwsEvent(req: RequestView, item: unknown): unknown {
  const snsType = readSnsType(req, item);
  if (snsType === undefined) return readOwn(item, 'detail-type');
  if (snsType !== 'Notification') return `sns.${snsType.toLowerCase()}`;
  return isCloudWatchAlarm(readOwn(item, 'Message')) ? 'sns.cloudwatch_alarm' : 'sns.notification';
}

function isCloudWatchAlarm(message: unknown): boolean {
  // Cheap text test first: most notifications are not alarms and need no parse.
  if (typeof message !== 'string' || !message.includes('"AlarmName"')) return false;
  try {
    const decoded: unknown = JSON.parse(message);
    return isRecord(decoded) && typeof readOwn(decoded, 'AlarmName') === 'string';
  } catch {
    return false;
  }
}

/** `a:b:c` from the string values at the given paths of the item, or undefined when any is missing. */
function joinedKey(item: unknown, paths: readonly (readonly string[])[]): string | undefined {
  const parts: string[] = [];
  for (const path of paths) {
    const value = readPath(item, path);
    if (typeof value !== 'string' || value === '') return undefined;
    parts.push(value);
  }
  return parts.join(':');
}

/**
 * Alertmanager and Grafana: the alert's label fingerprint with its status and start, so a repeat or a
 * regrouped notification of the same firing is a duplicate while its resolution is a new alert. Old
 * Alertmanagers send no fingerprint: no key, no dedup.
 */
export function readAlertGroupKey(req: RequestView, item: unknown): string | undefined {
  const key = joinedKey(item, [['fingerprint'], ['startsAt']]);
  if (key === undefined) return undefined;
  const status = readOwn(item, 'status') ?? readOwn(req.body, 'status');
  return typeof status === 'string' ? `${key}:${status}` : key;
}

/** Azure Monitor: one alert instance (`alertId`) fires once and resolves once. */
export function readAzureMonitorKey(_req: RequestView, item: unknown): string | undefined {
  return joinedKey(item, [['data', 'essentials', 'alertId'], ['data', 'essentials', 'monitorCondition']]);
}

/** Google Cloud Monitoring: an incident opens and closes under one `incident_id`. */
export function readGcpIncidentKey(_req: RequestView, item: unknown): string | undefined {
  return joinedKey(item, [['incident', 'incident_id'], ['incident', 'state']]);
}
