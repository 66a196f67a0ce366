/** Facts read off the raw Node request: header values, the flat header map intake reads, who sent it. */
import type { IncomingMessage } from 'node:http';
import type { RuntimeConfig } from '../config/runtime.js';

export function headerValue(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Node lower-cases names already; repeated headers are joined as RFC 9110 allows. */
export function flatHeaders(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  const given = incoming.headers;
  // for...in over node's own header object (null prototype): no entries array per request.
  for (const name in given) {
    const value = given[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Headers providers put their delivery id in, so a refused webhook can be found in the provider's log. */
const DELIVERY_ID_HEADERS = ['x-github-delivery', 'x-gitlab-event-uuid', 'x-shopify-webhook-id', 'x-pagerduty-webhook-id', 'x-amz-sns-message-id', 'x-request-id'] as const;

/** Bound to every log line about the request: client address, user agent, the provider's delivery id. */
export function senderFacts(incoming: IncomingMessage): Record<string, string> {
  const facts: Record<string, string> = {};
  const address = incoming.socket.remoteAddress;
  if (address !== undefined) facts['clientAddress'] = address;
  const agent = headerValue(incoming, 'user-agent');
  if (agent !== undefined) facts['userAgent'] = agent.slice(0, 200);
  for (const name of DELIVERY_ID_HEADERS) {
    const value = headerValue(incoming, name);
    if (value !== undefined && value !== '') {
      facts['deliveryId'] = value.slice(0, 200);
      break;
    }
  }
  return facts;
}

/** A bounded metric label: configured sources by name, anything else as `unknown`. */
export function knownSource(config: RuntimeConfig, source: string | undefined): string {
  const name = source?.toLowerCase();
  return name !== undefined && config.sources.has(name) ? name : 'unknown';
}
