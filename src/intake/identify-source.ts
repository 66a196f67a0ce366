/**
 * Identify: which configured source a request is for, from the URL (`/webhook/:source`) or, on `POST /webhook`,
 * from the provider's headers and then its body shape; and the answer to the CloudEvents OPTIONS probe.
 */
import type { RuntimeConfig, SourceRuntime } from '../config/runtime.js';
import { unsignedHandshakeOf } from '../identify/handshake.js';
import { identifySource } from '../identify/index.js';
import { shorten, type RequestView } from '../payload/index.js';
import type { ReadBody } from './read-body.js';
import { reject, type IntakeDecision, type IntakeRequest, type Rejection } from './types.js';

/** The CloudEvents OPTIONS probe carries no signature and no body: answered before anything else. */
export function answerOptionsProbe(request: IntakeRequest, view: RequestView, config: RuntimeConfig): IntakeDecision {
  const source = request.sourceParam?.toLowerCase();
  const configured = source === undefined ? undefined : config.sources.get(source);
  // Saying "you may send" for a URL that refuses every delivery would only mislead the sender.
  if (source !== undefined && !configured) {
    return reject('unknown_source', `no line in webhooks.ini for source "${shorten(source, 60)}"`, undefined, { details: { knownSources: config.rules.sources() } });
  }
  const answer = unsignedHandshakeOf(configured ? configured.provider : 'azure', view);
  return answer ? { kind: 'handshake', source, answer } : reject('method_not_allowed', 'OPTIONS is only answered for the CloudEvents webhook handshake (WebHook-Request-Origin)', source, { headers: { allow: 'POST, OPTIONS' } });
}

export function identifyRequestSource(
  request: IntakeRequest,
  view: RequestView & { body: unknown },
  config: RuntimeConfig,
  readBody: ReadBody,
): { kind: 'source'; source: SourceRuntime } | Rejection {
  const known = (): Record<string, unknown> => ({ knownSources: config.rules.sources() });
  if (request.sourceParam !== undefined) {
    const name = request.sourceParam.toLowerCase();
    const source = config.sources.get(name);
    if (!source) return reject('unknown_source', `no line in webhooks.ini for source "${shorten(name, 60)}"`, undefined, { details: known() });
    return { kind: 'source', source };
  }
  // Headers identify most providers without reading the body; body shapes need it parsed.
  let provider = identifySource(view);
  if (provider === undefined) {
    const body = readBody();
    if ('kind' in body) return body;
    provider = identifySource({ ...view, body: body.body });
  }
  if (provider === undefined) {
    return reject('unknown_source', 'could not tell which provider sent this; post to /webhook/<source> instead', undefined, { details: known() });
  }
  const name = config.sourceByProvider.get(provider);
  const source = name === undefined ? undefined : config.sources.get(name);
  if (!source) {
    return reject('unknown_source', `identified as ${provider}, but webhooks.ini has no line for it`, undefined, { details: known() });
  }
  return { kind: 'source', source };
}
