/**
 * Plan: the alerts an admitted request becomes, one per payload item, with their ids and dedup keys, and the
 * items skipped (no line, filtered out, already received). Reads the dedup cache; writes nothing.
 */
import { createHash } from 'node:crypto';
import { flattenLineBreaks, originBudgetAllows, type AlertOrigin } from '../alert.js';
import type { SourceRuntime } from '../config/runtime.js';
import { alertIdFor } from '../enqueue/alert-id.js';
import { shorten, type RequestView } from '../payload/index.js';
import { renderOptionsFrom } from '../render/index.js';
import type { BodyRead } from './read-body.js';
import { resolveItem } from './resolve-item.js';
import { accepted, reject, type IntakeContext, type IntakeDecision, type IntakeRequest, type PlannedAlert, type SkippedItem } from './types.js';

export function planAlerts(request: IntakeRequest, view: RequestView, source: SourceRuntime, context: IntakeContext, read: Pick<BodyRead, 'text' | 'format'>): IntakeDecision {
  const { config, dedup, nowMs } = context;
  const alerts: PlannedAlert[] = [];
  const skipped: SkippedItem[] = [];
  const items = source.reading.items(view);
  // A batch larger than the whole queue could never be accepted: 413 rather than a 503 retried forever.
  if (items.length > config.settings.queue_max_size) {
    return reject('too_many_items', `the body holds ${items.length} items; at most ${config.settings.queue_max_size} (queue_max_size) fit in one request, so send smaller batches`, source.name);
  }
  if (items.length === 0) return accepted(source.name, [], [{ outcome: 'ignored', event: undefined, reason: 'the body holds no item (an empty batch)' }], 0);
  const keys = itemKeys(source.reading, view, items);
  // A signed body is the replay unit: the same bytes again are a duplicate whatever delivery id or header comes along.
  const origin = originOf(request, source, read, items.length, config.settings.max_body_size);
  const bodyKey = source.dedupBy === 'id' ? undefined : `${source.name}:body:${createHash('sha256').update(request.rawBody).digest('base64url')}`;
  items.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) {
      skipped.push({ outcome: 'ignored', event: undefined, reason: `item ${index} is not a JSON object or array`, item: index });
      return;
    }
    const resolved = resolveItem(config.rules, source, view, item, renderOptionsFrom(config.settings));
    if (resolved.kind !== 'rendered') {
      skipped.push({ outcome: 'ignored', event: resolved.event, reason: resolved.reason, item: index, ...(resolved.kind === 'filtered' ? { ruleName: resolved.ruleName } : {}) });
      return;
    }
    const { event, ruleName } = resolved;
    const deliveryId = keys[index];
    const id = alertIdFor(source.name, deliveryId);
    const idKeys = deliveryId === undefined || source.dedupBy === 'body' ? [] : [id];
    const bodyKeys = bodyKey === undefined ? [] : [items.length > 1 ? `${bodyKey}#${index}` : bodyKey];
    const dedupKeys = [...idKeys, ...bodyKeys];
    if (idKeys.some((key) => dedup.has(key, nowMs))) {
      skipped.push({ outcome: 'duplicate', event, reason: `delivery ${shorten(deliveryId ?? '', 80)} was already received`, ruleName, id, item: index });
      return;
    }
    if (bodyKeys.some((key) => dedup.has(key, nowMs))) {
      skipped.push({ outcome: 'duplicate', event, reason: 'the same signed body was already received (a replay; see <source>_dedup)', ruleName, id, item: index });
      return;
    }
    alerts.push({
      alert: {
        id, requestId: request.requestId, source: source.name, event, message: resolved.message, fields: resolved.fields, receivedAt: nowMs,
        ...(origin === undefined ? {} : { origin: items.length === 1 ? origin : { ...origin, item: index, items: items.length } }),
      },
      dedupKeys,
      ruleName,
      missing: resolved.missing,
      warnings: resolved.warnings,
      item: index,
    });
  });
  return accepted(source.name, alerts, skipped, items.length);
}

/**
 * Where the alerts came from, for rendering them again later: the body text (one string, shared by every item of
 * a batch) and the headers the source reads to identify and split it. Only within the budget (items × body ≤
 * max_body_size), so a batch never multiplies what is stored.
 */
function originOf(request: IntakeRequest, source: SourceRuntime, read: Pick<BodyRead, 'text' | 'format'>, items: number, maxBodySize: number): AlertOrigin | undefined {
  if (!originBudgetAllows(read.text.length, items, maxBodySize)) return undefined;
  const headers: Record<string, string> = {};
  for (const name of source.reading.headers) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  // Flat once here, not at each encoding (journal, Redis, dead letter) of each item of a batch.
  return { kind: read.format, body: read.format === 'json' ? flattenLineBreaks(read.text) : read.text, headers };
}

/**
 * The delivery key of each item. An element of a batch is keyed by its own id (Event Grid and CloudEvents
 * require one), whatever its position, so `[{"id":"X#1"},{"id":"X"}]` is two keys and a redelivered event
 * is recognised in any batch. An element without an id gets a positional key, `<request id>#<index>`, when
 * the request carries an id (a header such as X-Request-Id); a positional key that equals another element's
 * own id is extended with `#<index>` until it is unique within the batch. No id at all: undefined (random id,
 * no dedup).
 */
function itemKeys(reading: SourceRuntime['reading'], view: RequestView, items: readonly unknown[]): (string | undefined)[] {
  if (items.length === 1 && items[0] === view.body) return [reading.deliveryId(view, view.body)];
  const keys = items.map((item) => reading.deliveryId(view, item));
  const requestKey = reading.deliveryId(view, view.body);
  if (requestKey === undefined) return keys;
  const used = new Set(keys.filter((key) => key !== undefined));
  return keys.map((key, index) => {
    if (key !== undefined) return key;
    let positional = `${requestKey}#${index}`;
    while (used.has(positional)) positional = `${positional}#${index}`;
    used.add(positional);
    return positional;
  });
}
