import type { Alert } from '../alert.js';
import type { DeliveryLogger } from './dispatcher-options.js';

/** One accepted alert and what its attempts so far have taught us. */
export interface Entry {
  readonly alert: Alert;
  /** alert.source, for the concurrency limits. */
  readonly source: string;
  /** alert.receivedAt, for the policy's expiry. */
  readonly receivedAt: number;
  readonly log: DeliveryLogger;
  attempts: number;
  firstAttemptAt: number | undefined;
  lastAttemptAt: number | undefined;
  /** Backoff: no attempt before this (injected clock). */
  notBefore: number;
  /** The breaker period (between two transitions) in which the breaker turned this alert away; it waits for the next one. */
  turnedAwayInPeriod: number;
  last: { status?: number; bodyExcerpt?: string; em7Headers?: Readonly<Record<string, string>> };
}

/** `last` before any answer, shared: it is replaced, never mutated. */
export const NOTHING_YET: Entry['last'] = Object.freeze({});

/**
 * An Entry that is also its own logger: the alert's pino child (whose bindings pino compiles on every
 * child() call) is made on the first line at an enabled level, and most alerts write none at log_level warn.
 */
export class AlertEntry implements Entry, DeliveryLogger {
  readonly alert: Alert;
  attempts = 0;
  firstAttemptAt: number | undefined = undefined;
  lastAttemptAt: number | undefined = undefined;
  notBefore = 0;
  turnedAwayInPeriod = -1;
  last: Entry['last'] = NOTHING_YET;
  readonly #parent: DeliveryLogger;
  #child: DeliveryLogger | undefined;

  constructor(alert: Alert, logger: DeliveryLogger) {
    this.alert = alert;
    this.#parent = logger;
  }

  get source(): string {
    return this.alert.source;
  }

  get receivedAt(): number {
    return this.alert.receivedAt;
  }

  get log(): DeliveryLogger {
    return this;
  }

  debug(obj: object, msg: string): void {
    if (this.#isEnabled('debug')) this.#made().debug(obj, msg);
  }

  info(obj: object, msg: string): void {
    if (this.#isEnabled('info')) this.#made().info(obj, msg);
  }

  warn(obj: object, msg: string): void {
    if (this.#isEnabled('warn')) this.#made().warn(obj, msg);
  }

  error(obj: object, msg: string): void {
    if (this.#isEnabled('error')) this.#made().error(obj, msg);
  }

  child(bindings: Record<string, unknown>): DeliveryLogger {
    return this.#made().child(bindings);
  }

  isLevelEnabled(level: string): boolean {
    if (this.#child !== undefined) return this.#child.isLevelEnabled?.(level) ?? true;
    return this.#parent.isLevelEnabled?.(level) ?? true;
  }

  /** Once made, the child's own level decides (it checks itself); before, the parent's, as the child would inherit it. */
  #isEnabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean {
    return this.#child !== undefined || (this.#parent.isLevelEnabled?.(level) ?? true);
  }

  #made(): DeliveryLogger {
    const { alert } = this;
    return (this.#child ??= this.#parent.child({ reqId: alert.requestId, alertId: alert.id, source: alert.source, event: alert.event }));
  }
}
