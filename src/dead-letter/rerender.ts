/**
 * Rendering a dead letter again with today's lines: its stored request (body, identifying headers) goes through
 * the same pure intake as a webhook and `genhook test` (identify, split, event, line, conditions, extract,
 * render, SL1 fields), with signatures, address allowlists and rate limits left out (the request was verified
 * when it arrived; its signature is not checked again). The alert keeps its id, request id and times.
 */
import type { Alert } from '../alert.js';
import type { RuntimeConfig } from '../config/runtime.js';
import { decideIntake, withoutAdmission } from '../intake/index.js';
import type { DeadLetterEntry } from './dead-letter-file.js';
import { toAlert } from './dead-letter-file.js';

export type Rerendered =
  | { readonly kind: 'rendered'; readonly alert: Alert; readonly changed: boolean }
  /** Not re-rendered: `noPayload` when the entry was stored without its request (before GenHook kept it, or over the budget). */
  | { readonly kind: 'not_rendered'; readonly reason: string; readonly noPayload: boolean };

const neverSeen = { has: (): boolean => false };

/** What `entry` renders to under `config` now, or why it does not render to exactly the one alert it was. */
export function rerenderDeadLetter(config: RuntimeConfig, entry: DeadLetterEntry): Rerendered {
  const { origin } = entry;
  if (origin === undefined) return notRendered('no stored payload (dead-lettered before GenHook kept request bodies, or a batch over max_body_size)', true);
  if (!config.sources.has(entry.source)) return notRendered(`source "${entry.source}" is no longer configured`);
  const decision = decideIntake(
    { method: 'POST', sourceParam: entry.source, headers: origin.headers, rawBody: Buffer.from(origin.body, 'utf8'), remoteAddress: undefined, requestId: entry.requestId },
    { config: withoutAdmission(config), dedup: neverSeen, nowMs: Date.now() },
  );
  if (decision.kind === 'reject') return notRendered(`refused now: ${decision.status} ${decision.code}: ${decision.message}`);
  if (decision.kind === 'handshake') return notRendered('the stored request is now answered as a handshake (no alert)');
  if (decision.kind === 'certificate_needed') return notRendered(`needs the signing certificate ${decision.url}`);
  const was = origin.items ?? 1;
  const item = origin.item ?? 0;
  if (decision.items !== was) {
    return notRendered(`the body now splits into ${decision.items} item${decision.items === 1 ? '' : 's'} (was ${was}): check <source>_split; not sent, since which one this was is no longer known`);
  }
  const planned = decision.alerts.find((candidate) => candidate.item === item);
  if (planned === undefined) {
    const skipped = decision.skipped.find((candidate) => candidate.item === item);
    return notRendered(`matches no line now: ${skipped?.reason ?? 'no alert for this item'}`);
  }
  const before = toAlert(entry);
  const { event, message, fields } = planned.alert;
  const alert: Alert = { ...before, event, message, fields };
  const changed = message !== before.message || event !== before.event || JSON.stringify(fields) !== JSON.stringify(before.fields);
  return { kind: 'rendered', alert, changed };
}

function notRendered(reason: string, noPayload = false): Rerendered {
  return { kind: 'not_rendered', reason, noPayload };
}
