/**
 * Checks for options that code passes to a module (constructors, factories). Settings a user writes are not
 * checked here: those are validated once at load and named by file:line (config/settings-spec.ts).
 *
 * Every refusal reads the same, in the p-queue manner: Expected `option` to be <what>, got `value` (type).
 * Each module passes its own error constructor, so the thrown error's class and code still say which part
 * refused (DeliveryOptionError, StoreError `store_option_invalid`, SettingError `invalid_option`...).
 */

/** Builds the error a module throws for an unusable option from the sentence below. */
export type OptionFailure = (message: string) => Error;

/** The one sentence every option refusal uses. */
export function describeExpected(option: string, expected: string, value: unknown): string {
  return `Expected \`${option}\` to be ${expected}, got ${describeValue(value)}`;
}

/** `value` (type), with long values shortened so a message stays one readable line. */
export function describeValue(value: unknown): string {
  const text = String(value);
  return `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\` (${value === null ? 'null' : typeof value})`;
}

export interface OptionChecks {
  /** A whole number >= 1 (a safe integer); `allowInfinity` also lets `Infinity` mean "unbounded". */
  positiveInteger(option: string, value: unknown, options?: { readonly allowInfinity?: boolean }): asserts value is number;
  /** A finite number > 0 (fractions allowed). */
  positiveNumber(option: string, value: unknown): asserts value is number;
  /** A finite number >= 0. */
  nonNegative(option: string, value: unknown): asserts value is number;
  /** One of `allowed`. */
  oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): asserts value is T;
  /** A non-empty string; `what` says what it is for ("the dead-letter file path"). */
  nonEmptyString(option: string, value: unknown, what?: string): asserts value is string;
  /** Refuse with the common sentence when a check of the module's own does not hold. */
  fail(option: string, expected: string, value: unknown): never;
}

/** The checks above, throwing the module's own error. */
export function optionChecks(failure: OptionFailure): OptionChecks {
  function fail(option: string, expected: string, value: unknown): never {
    throw failure(describeExpected(option, expected, value));
  }
  return {
    positiveInteger(option, value, { allowInfinity = false } = {}) {
      if (Number.isSafeInteger(value) && (value as number) > 0) return;
      if (allowInfinity && value === Number.POSITIVE_INFINITY) return;
      fail(option, allowInfinity ? 'a positive integer or Infinity' : 'a positive integer', value);
    },
    positiveNumber(option, value) {
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) return;
      fail(option, 'a positive finite number', value);
    },
    nonNegative(option, value) {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return;
      fail(option, 'a non-negative finite number', value);
    },
    oneOf(option, value, allowed) {
      if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return;
      fail(option, `one of ${allowed.join(', ')}`, value);
    },
    nonEmptyString(option, value, what = 'a non-empty string') {
      if (typeof value === 'string' && value !== '') return;
      fail(option, what, value);
    },
    fail,
  };
}
