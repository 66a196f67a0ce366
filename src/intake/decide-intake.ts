/**
 * The decision at the door, as a function of the request, the running configuration and the admission
 * state it is handed, in pipeline order: identify → admit (verify, limits) → parse → handshake → plan
 * (split → event → line → conditions → dedup → extract → render). No I/O: the HTTP edge reads the body
 * before, and journals and enqueues what it returns.
 */
import { handshakeOf } from '../identify/handshake.js';
import type { RequestView } from '../payload/index.js';
import { admitRequest } from './admit.js';
import { answerOptionsProbe, identifyRequestSource } from './identify-source.js';
import { planAlerts } from './plan-alerts.js';
import { bodyReaderFor } from './read-body.js';
import { reject, type IntakeContext, type IntakeDecision, type IntakeRequest } from './types.js';

export function decideIntake(request: IntakeRequest, context: IntakeContext): IntakeDecision {
  const { config } = context;
  const view: RequestView & { body: unknown } = { method: request.method, headers: request.headers, body: undefined };
  if (request.method === 'OPTIONS') return answerOptionsProbe(request, view, config);

  const readBody = bodyReaderFor(request, config);
  if (typeof readBody !== 'function') return readBody;
  const identified = identifyRequestSource(request, view, config, readBody);
  if (identified.kind === 'reject') return identified;
  const { source } = identified;
  const refusal = admitRequest(request, source, readBody, context);
  if (refusal) return refusal;

  const body = readBody();
  if ('kind' in body) return body;
  view.body = body.body;
  if (typeof body.body !== 'object' || body.body === null) {
    return reject('invalid_payload', `the body is JSON ${body.body === null ? 'null' : `a ${typeof body.body}`}; send a JSON object or array`, source.name);
  }
  const answer = handshakeOf(source.provider, view);
  if (answer) return { kind: 'handshake', source: source.name, answer };
  return planAlerts(request, view, source, context, body);
}
