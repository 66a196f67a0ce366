import { CodedError, optionChecks, type OptionChecks, type StoreErrorCode } from '../errors/index.js';

export type { StoreErrorCode };

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
