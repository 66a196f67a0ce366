import { describeExpected, optionChecks, type OptionChecks } from '../errors/index.js';
import type { Outcome } from './classify.js';

/** A dispatcher or SL1 client option is unusable; the message names the option and the value given. */
export class DeliveryOptionError extends TypeError {
  override readonly name = 'DeliveryOptionError';
  readonly code = 'delivery_option_invalid';
}

/** Option checks in the common sentence (errors/option-checks.ts), throwing {@link DeliveryOptionError}. */
const checkOption: OptionChecks = optionChecks((message) => new DeliveryOptionError(message));

export { describeExpected };

export function assertPositiveInteger(option: string, value: number, options: { allowInfinity?: boolean } = {}): void {
  checkOption.positiveInteger(option, value, options);
}

export function assertNonNegative(option: string, value: number): void {
  checkOption.nonNegative(option, value);
}

/** One failed SL1 attempt, thrown through the breaker and p-retry so both can read its classification. */
export class DeliveryFailure extends Error {
  override readonly name = 'DeliveryFailure';
  readonly code = 'sl1_delivery_failed';
  readonly outcome: Exclude<Outcome, { kind: 'delivered' }>;
  /** The call was the breaker's half-open probe: its failure says "still down", not "this alert is bad". */
  readonly isProbe: boolean;

  constructor(outcome: Exclude<Outcome, { kind: 'delivered' }>, isProbe = false) {
    super(outcome.reason);
    this.outcome = outcome;
    this.isProbe = isProbe;
  }
}

/** The alert outlived `maxAlertAgeMs` before SL1 took it. */
export class AlertExpiredError extends Error {
  override readonly name = 'AlertExpiredError';
  readonly code = 'alert_expired';
}

/** The dispatcher was closed while the alert was pending; it stays in the journal for the next start. */
export class DispatcherClosedError extends Error {
  override readonly name = 'DispatcherClosedError';
  readonly code = 'dispatcher_closed';
}
