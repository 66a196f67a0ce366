/** CloudEvents 1.0 (structured JSON mode) and its webhook abuse protection, which any source may receive. */
import { readHeader } from '../payload/index.js';
import { defineHandshake } from './handshake.js';
import { hasString, isBatchOf } from './helpers.js';

/** One CloudEvent in structured JSON mode (CloudEvents 1.0 required attributes, bar `id`, which we dedup on). */
export function isCloudEvent(value: unknown): boolean {
  return hasString(value, 'specversion') && hasString(value, 'type') && hasString(value, 'source');
}

/** A single structured CloudEvent or a batch (`application/cloudevents-batch+json`). */
export function isCloudEvents(body: unknown): boolean {
  return isCloudEvent(body) || isBatchOf(body, isCloudEvent);
}

// A DNS name (CloudEvents webhook spec §4.1: the origin is the sender's host name); nothing else is echoed back.
const ORIGIN = /^[A-Za-z0-9](?:[A-Za-z0-9.\-:]{0,252})$/;
const RATE = /^[1-9][0-9]{0,8}$/;

/**
 * CloudEvents webhook abuse protection (spec §4): `OPTIONS` with `WebHook-Request-Origin`.
 * Unsigned by design, and may arrive before any source is known.
 */
export const cloudEventsAbuseProtection = defineHandshake('cloudevents.abuse_protection', true, (req, kind) => {
  if (req.method.toUpperCase() !== 'OPTIONS') return undefined;
  const origin = readHeader(req, 'webhook-request-origin');
  if (origin === undefined) return undefined;
  if (!ORIGIN.test(origin)) return { kind, refusal: 'WebHook-Request-Origin is not a host name' };
  const headers: Record<string, string> = { 'WebHook-Allowed-Origin': origin, Allow: 'POST' };
  const rate = readHeader(req, 'webhook-request-rate');
  // Echo a plain requested rate; anything else gets "*" (no limit), which the spec allows.
  if (rate !== undefined) headers['WebHook-Allowed-Rate'] = RATE.test(rate) ? rate : '*';
  return { kind, status: 200, headers };
});
