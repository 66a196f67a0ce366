import { readOwn } from '../payload/index.js';
import { hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Jira webhook: `webhookEvent` plus the numeric `timestamp` every Jira payload carries. */
export function isJiraEvent(body: unknown): boolean {
  return hasString(body, 'webhookEvent') && typeof readOwn(body, 'timestamp') === 'number';
}

/** Jira: `webhookEvent` without the `jira:` prefix some events carry (`jira:issue_created` → `issue_created`). */
export function readJiraEvent(_req: unknown, item: unknown): unknown {
  const event = readOwn(item, 'webhookEvent');
  return typeof event === 'string' && event.startsWith('jira:') ? event.slice('jira:'.length) : event;
}

export const jira: ProviderRow = {
  name: 'jira',
  headers: ['x-atlassian-webhook-identifier'],
  bodyShape: isJiraEvent,
  event: readJiraEvent,
  deliveryId: [{ header: 'x-atlassian-webhook-identifier' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:X-Hub-Signature:hex:sha256=',
};
