/** Stable codes of {@link BodyError}; the HTTP edge answers every one of them with `status`. */
export const BODY_ERROR_CODES = ['invalid_encoding', 'invalid_json', 'too_deep'] as const;
export type BodyErrorCode = (typeof BODY_ERROR_CODES)[number];

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
export class BodyError extends Error {
  override readonly name = 'BodyError';
  readonly code: BodyErrorCode;
  /** HTTP status the edge should answer with. */
  readonly status: number;
  readonly position: BodyPosition | undefined;

  constructor(code: BodyErrorCode, message: string, options: { status?: number; position?: BodyPosition } = {}) {
    super(message);
    this.code = code;
    this.status = options.status ?? 400;
    this.position = options.position;
  }
}

/** Stable codes of {@link SettingError}, one per kind of setting. */
export const SETTING_ERROR_CODES = [
  'invalid_signature_setting',
  'invalid_verifier_config',
  'invalid_rate_limit',
  'invalid_cidr',
  'invalid_option',
] as const;
export type SettingErrorCode = (typeof SETTING_ERROR_CODES)[number];

/** A configuration value that cannot be used; the message names the value and the expected form. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
  readonly code: SettingErrorCode;

  constructor(code: SettingErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
