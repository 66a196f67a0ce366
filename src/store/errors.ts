import { CodedError, optionChecks, type OptionChecks } from '../errors/index.js';

/** Stable codes for local-storage failures; the webhook edge answers a failed journal write `journal_unavailable` (503). */
export const storeErrorCodes = [
  'journal_open_failed',
  'journal_closed',
  'journal_write_failed',
  'journal_failed',
  'dead_letter_write_failed',
  'dead_letter_locked',
  'data_dir_locked',
  'store_option_invalid',
] as const;

export type StoreErrorCode = (typeof storeErrorCodes)[number];

/** A journal or dead-letter file could not do what was asked; `code` says which failure, the message what to do. */
export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `[store] ${message}`, options);
  }
}

/** Minimal logger the store needs; a pino `Logger` fits. */
export interface StoreLogger {
  warn(details: object, message: string): void;
}

/** Option checks in the common sentence (errors/option-checks.ts), throwing StoreError `store_option_invalid`. */
export const checkStoreOption: OptionChecks = optionChecks((message) => new StoreError('store_option_invalid', message));
