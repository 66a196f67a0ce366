/**
 * How the end of each step of an alert's delivery is told: the hooks (journal, dead letters, metrics) and the
 * alert's log lines. A hook that throws is logged and never stops delivery.
 */
import type { DeliveryLogger, DispatcherHooks } from './dispatcher-options.js';
import type { NextStep } from './delivery-policy.js';
import type { Entry } from './entry.js';

type HookEvent<K extends keyof DispatcherHooks> = Parameters<NonNullable<DispatcherHooks[K]>>[0];

export class DeliveryReport {
  readonly #hooks: DispatcherHooks;
  readonly #logger: () => DeliveryLogger;
  readonly #now: () => number;

  constructor(hooks: DispatcherHooks, logger: () => DeliveryLogger, now: () => number) {
    this.#hooks = hooks;
    this.#logger = logger;
    this.#now = now;
  }

  /** In this tick, as loggedNow(): a promise only when the hook returned one. */
  deliveredNow(entry: Entry, step: Extract<NextStep, { kind: 'delivered' }>): Promise<void> | undefined {
    return this.callNow('onDelivered', {
      alert: entry.alert, attempts: entry.attempts, status: step.status, durationMs: step.durationMs,
      firstAttemptAt: entry.firstAttemptAt ?? this.#now(),
    });
  }

  async retrying(entry: Entry, step: Extract<NextStep, { kind: 'retry' }>): Promise<void> {
    const { delayMs, reason } = step;
    entry.log.info({ outcome: 'retry', attempt: entry.attempts, delayMs, reason }, 'SL1 delivery will be retried');
    await this.call('onRetry', { alert: entry.alert, attempt: entry.attempts, delayMs, reason });
  }

  async deadLettered(entry: Entry, step: Extract<NextStep, { kind: 'dead_letter' }>): Promise<void> {
    const { reason, isAuth, error } = step;
    entry.log.warn({ outcome: 'dead_letter', reason, attempts: entry.attempts, status: entry.last.status, error }, 'alert dead-lettered');
    await this.call('onDeadLetter', {
      alert: entry.alert, reason, attempts: entry.attempts, firstAttemptAt: entry.firstAttemptAt,
      lastAttemptAt: entry.lastAttemptAt, ...entry.last, isAuth, error,
    });
  }

  /** Something no policy foresaw went wrong (a bug): the alert is dead-lettered rather than retried forever. */
  async failedUnexpectedly(entry: Entry, err: unknown): Promise<void> {
    entry.log.error({ err }, 'unexpected delivery error; dead-lettering the alert');
    const error = err instanceof Error ? err.message : String(err);
    await this.deadLettered(entry, { kind: 'dead_letter', reason: 'permanent', isAuth: false, error });
  }

  /** Log mode (no sl1_api_url): the alert becomes one log line and is released. */
  async logged(entry: Entry): Promise<void> {
    await this.loggedNow(entry);
  }

  /** As logged(), in this tick: undefined when the hook returned nothing to wait for (the usual case), else what to wait for. */
  loggedNow(entry: Entry): Promise<void> | undefined {
    const { message, fields } = entry.alert;
    entry.log.info({ delivered: false, message, fields }, 'alert (log mode, not delivered)');
    return this.callNow('onLogged', { alert: entry.alert });
  }

  async call<K extends keyof DispatcherHooks>(name: K, event: HookEvent<K>): Promise<void> {
    await this.callNow(name, event);
  }

  /** Calls the hook in this tick; returns a promise only when the hook returned one (its failure is logged too). */
  callNow<K extends keyof DispatcherHooks>(name: K, event: HookEvent<K>): Promise<void> | undefined {
    const hook = this.#hooks[name] as ((e: HookEvent<K>) => unknown) | undefined;
    if (hook === undefined) return undefined;
    try {
      const result = hook.call(this.#hooks, event);
      if (!isThenable(result)) return undefined;
      return Promise.resolve(result).then(
        () => undefined,
        (err: unknown) => this.#hookFailed(name, err),
      );
    } catch (err) {
      this.#hookFailed(name, err);
      return undefined;
    }
  }

  #hookFailed(name: keyof DispatcherHooks, err: unknown): void {
    this.#logger().error({ err, hook: name }, `dispatcher hook ${name} failed`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
