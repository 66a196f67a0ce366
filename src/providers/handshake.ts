import type { RequestView } from '../payload/index.js';

/**
 * How to answer a provider's handshake. A handshake never becomes an alert.
 * @example { kind: 'slack.url_verification', status: 200, body: { challenge: '3eZbrw1a...' } }
 */
export type HandshakeAnswer = HandshakeReply | HandshakeRefusal;

export interface HandshakeReply {
  /** Stable name for logs and metrics: `<provider>.<handshake>`. */
  readonly kind: string;
  readonly status: number;
  /** Response headers to set, exactly as named here. */
  readonly headers?: Record<string, string>;
  /** JSON to send (object), or plain text (string); absent for an empty body. */
  readonly body?: unknown;
  /** Facts worth a log line, or an action the HTTP edge may take (SNS `SubscribeURL`). */
  readonly log?: Record<string, unknown>;
}

/** A handshake recognised but malformed (no challenge to echo): the edge answers it `invalid_handshake` (400). */
export interface HandshakeRefusal {
  readonly kind: string;
  /** What is wrong with the handshake, for the error body's `message`. */
  readonly refusal: string;
  readonly log?: Record<string, unknown>;
}

/** One handshake a provider performs, as a row in its table entry. */
export interface Handshake {
  /** The `kind` its answers carry. */
  readonly kind: string;
  /**
   * True when the request cannot be verified like a delivery (the CloudEvents `OPTIONS` probe carries no
   * body and no signature), so it is answered before verification. All others are answered only after
   * the request passed the source's normal verification.
   */
  readonly unsigned: boolean;
  /** The answer when `req` is this handshake, else undefined. Never throws. */
  readonly answer: (req: RequestView) => HandshakeAnswer | undefined;
}

/** Builds a frozen row entry; the answer gets its own `kind` so it cannot drift from the row's. */
export function defineHandshake(
  kind: string,
  unsigned: boolean,
  answer: (req: RequestView, kind: string) => HandshakeAnswer | undefined,
): Handshake {
  return Object.freeze({ kind, unsigned, answer: (req: RequestView) => answer(req, kind) });
}
