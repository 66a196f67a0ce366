/**
 * The stable codes of GenHook's own error classes, each list once, in one file (the way fastify keeps one
 * errors file): code branches on `error.code`, never on the message. Body codes are also HTTP error codes
 * (the edge answers them with their status from http-errors.ts); setting and store codes never reach a client.
 */
export const ERROR_CODES = {
  /** BodyError (input-errors.ts): a request body GenHook refuses to read. */
  body: ['invalid_encoding', 'invalid_json', 'too_deep'],
  /** SettingError (input-errors.ts): one per kind of setting that cannot be used. */
  setting: ['invalid_signature_setting', 'invalid_verifier_config', 'invalid_rate_limit', 'invalid_cidr', 'invalid_option'],
  /** StoreError (store/errors.ts): local-storage failures; a failed journal write is answered `journal_unavailable` (503). */
  store: ['journal_open_failed', 'journal_closed', 'journal_write_failed', 'journal_failed', 'dead_letter_write_failed', 'dead_letter_locked', 'data_dir_locked', 'store_option_invalid'],
} as const;

export type BodyErrorCode = (typeof ERROR_CODES.body)[number];
export type SettingErrorCode = (typeof ERROR_CODES.setting)[number];
export type StoreErrorCode = (typeof ERROR_CODES.store)[number];
