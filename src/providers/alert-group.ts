/** The Alertmanager-style alert group Grafana and Prometheus Alertmanager both post. */
import { readOwn, type RequestView } from '../payload/index.js';
import { hasString, joinedKey } from './helpers.js';

/** The envelope Alertmanager-style notifiers post: `alerts` plus `groupKey` and `status`. */
export function isAlertGroup(body: unknown): boolean {
  return Array.isArray(readOwn(body, 'alerts')) && hasString(body, 'groupKey') && hasString(body, 'status');
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
