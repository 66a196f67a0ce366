import { readOwn, readPath, readString } from '../payload/index.js';
import { defineHandshake } from './handshake.js';
import { hasString } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

// app_rate_limited is posted to the same Request URL when Slack stops sending events for a while.
const SLACK_ENVELOPE_TYPES: ReadonlySet<string> = new Set(['url_verification', 'event_callback', 'app_rate_limited']);

/** Slack Events API envelope: `url_verification`, `event_callback` or `app_rate_limited` with a `token` or `team_id`. */
export function isSlackEnvelope(body: unknown): boolean {
  const type = readString(body, 'type');
  return type !== undefined && SLACK_ENVELOPE_TYPES.has(type) && (hasString(body, 'token') || hasString(body, 'team_id'));
}

/** Slack: the inner `event.type` of an `event_callback`, else the outer `type` (`app_rate_limited`). */
export function readSlackEvent(_req: unknown, item: unknown): unknown {
  const type = readOwn(item, 'type');
  return type === 'event_callback' ? readPath(item, ['event', 'type']) : type;
}

/** Slack Events API: answer `url_verification` with its `challenge`. */
export const slackUrlVerification = defineHandshake('slack.url_verification', false, (req, kind) => {
  if (readString(req.body, 'type') !== 'url_verification') return undefined;
  const challenge = readString(req.body, 'challenge');
  if (challenge === undefined) return { kind, refusal: 'url_verification without a string challenge' };
  return { kind, status: 200, body: { challenge } };
});

export const slack: ProviderRow = {
  name: 'slack',
  headers: ['x-slack-signature'],
  bodyShape: isSlackEnvelope,
  event: readSlackEvent,
  deliveryId: [{ item: 'event_id' }],
  split: 'whole',
  handshakes: [slackUrlVerification],
  signature: 'slack',
};
