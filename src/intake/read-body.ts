/**
 * Body parsing, apart from the gate: the Content-Type decides how the body is read (JSON, or a form whose
 * `payload=` holds JSON), and the body is parsed at most once, only when a step needs it.
 */
import type { RuntimeConfig } from '../config/runtime.js';
import { BodyError } from '../errors/index.js';
import { contentKind, decodeUtf8, parseFormPayload, parseJsonSafe, shorten } from '../payload/index.js';
import { reject, type IntakeRequest, type Rejection } from './types.js';

/** The body as read: parsed, and the text it was parsed from (kept with each alert as its origin). */
export interface BodyRead {
  readonly body: unknown;
  readonly text: string;
  /** `kind` would read as a Rejection's discriminant. */
  readonly format: 'json' | 'form';
}

/** The parsed body, or the refusal of an unreadable one; the same answer on every call. */
export type ReadBody = () => BodyRead | Rejection;

/** A reader for the request's body, or a 415 refusal when its Content-Type cannot be read at all. */
export function bodyReaderFor(request: IntakeRequest, config: RuntimeConfig): ReadBody | Rejection {
  const kind = contentKind(request.headers['content-type']);
  if (kind === 'unsupported') {
    return reject('unsupported_media_type', `cannot read content type "${shorten(request.headers['content-type'] ?? '', 60)}"; send application/json (or text/plain JSON, or form-encoded payload=)`, request.sourceParam);
  }
  let result: BodyRead | Rejection | undefined;
  return () => {
    result ??= parseBody(request, kind, config.settings.max_json_depth);
    return result;
  };
}

function parseBody(request: IntakeRequest, kind: 'json' | 'form', maxDepth: number): BodyRead | Rejection {
  try {
    const text = decodeUtf8(request.rawBody);
    return { body: kind === 'form' ? parseFormPayload(text, { maxDepth }) : parseJsonSafe(text, { maxDepth }), text, format: kind };
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    return reject(error.code, error.message, request.sourceParam, error.position ? { details: { ...error.position } } : {});
  }
}
