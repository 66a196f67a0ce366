import { CodedError } from './coded-error.js';
import type { BodyErrorCode, SettingErrorCode } from './error-codes.js';
import { httpStatusOf } from './http-errors.js';

/** Where in the body a parse failed. `offset` counts UTF-8 bytes from 0; `line` and `column` count from 1. */
export interface BodyPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/**
 * A request body GenHook refuses to read. Messages name the position and the kind of fault,
 * never the payload's content (bodies can carry secrets and personal data).
 */
export class BodyError extends CodedError<BodyErrorCode> {
  override readonly name = 'BodyError';
  /** HTTP status the edge answers with, from the catalogue. */
  readonly status: number;
  readonly position: BodyPosition | undefined;

  constructor(code: BodyErrorCode, message: string, options: { position?: BodyPosition } = {}) {
    super(code, message);
    this.status = httpStatusOf(code);
    this.position = options.position;
  }
}

/** A configuration value that cannot be used; the message names the value and the expected form. */
export class SettingError extends CodedError<SettingErrorCode> {
  override readonly name = 'SettingError';
}
