import { rowFor } from './identify.js';
import type { RequestView } from '../payload/index.js';
import type { HandshakeAnswer } from '../providers/index.js';

/**
 * The answer to a provider handshake (Slack url_verification, Event Grid validation, CloudEvents
 * OPTIONS probe, GitHub ping, SNS subscription messages), or undefined for an ordinary delivery.
 * Call it after the request passed verification: apart from the OPTIONS probe, handshakes arrive
 * signed like any delivery, and this only recognises and answers them.
 * An undefined or unknown provider gets the generic row (the OPTIONS probe only).
 */
export function handshakeOf(provider: string | undefined, req: RequestView): HandshakeAnswer | undefined {
  return answerFirst(provider, req, false);
}

/**
 * The answer to a handshake that cannot be verified (the CloudEvents OPTIONS probe), to give
 * before signature verification; undefined for everything else.
 */
export function unsignedHandshakeOf(provider: string | undefined, req: RequestView): HandshakeAnswer | undefined {
  return answerFirst(provider, req, true);
}

function answerFirst(provider: string | undefined, req: RequestView, unsignedOnly: boolean): HandshakeAnswer | undefined {
  for (const handshake of rowFor(provider).handshakes) {
    if (unsignedOnly && !handshake.unsigned) continue;
    const answer = handshake.answer(req);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

export type { Handshake, HandshakeAnswer } from '../providers/index.js';
