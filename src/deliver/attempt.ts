/**
 * One trip of an alert through a delivery slot: the gate checked again (it may have closed while the alert
 * waited for the slot), the source's shared lease (redis_url), the auth ticket, the circuit breaker, the SL1
 * request itself, and its log line. What the result means for the alert is delivery-policy.ts's decision.
 */
import { acquireAuth, settleAuth, type AuthResult, type AuthTicket } from './auth-pause.js';
import { isBreakerOpenError } from './breaker.js';
import { classifyError, classifyResponse, type Outcome } from './classify.js';
import type { DeliveryGate } from './delivery-gate.js';
import { planNext, type FailedOutcome, type RetryRules, type TripResult } from './delivery-policy.js';
import type { DeliveryReport } from './delivery-report.js';
import { DeliveryFailure } from './errors.js';
import type { ResolvedOptions } from './dispatcher-options.js';
import type { Sl1Client, Sl1Response } from './sl1-client.js';
import { NOTHING_YET, type Entry } from './entry.js';

export type { Entry } from './entry.js';

const NOT_SENT: TripResult = Object.freeze({ kind: 'not_sent' });
/** Not sent either, but the breaker's doing: a half-open probe token it refused is not handed to another alert. */
const TURNED_AWAY: TripResult = Object.freeze({ kind: 'not_sent' });

/** What an attempt reads at the moment it runs: a reload replaces options and client for the next one. */
export interface AttemptContext {
  readonly options: () => ResolvedOptions;
  /** Undefined in log mode. */
  readonly sl1: () => Sl1Client | undefined;
  readonly gate: DeliveryGate;
  readonly report: DeliveryReport;
  readonly signal: AbortSignal;
  readonly onInFlight: (entry: Entry, delta: number) => void;
}

export class Sl1Attempt {
  readonly #context: AttemptContext;

  constructor(context: AttemptContext) {
    this.#context = context;
  }

  /** Runs in a delivery slot: one real request, or `not_sent` without touching SL1 when the gate closed meanwhile. */
  async run(entry: Entry): Promise<TripResult> {
    const { gate } = this.#context;
    let isProbeUsed = false;
    try {
      const options = this.#context.options();
      const step = planNext(entry, undefined, options.now(), gate.view(entry, this.#context.sl1() === undefined), rulesOf(options));
      if (step.kind !== 'send') return NOT_SENT;
      if (step.isProbe) gate.takeProbe(entry);
      const result = await this.#send(entry, options);
      isProbeUsed = result !== NOT_SENT;
      return result;
    } finally {
      gate.releaseProbe(entry, isProbeUsed);
    }
  }

  async #send(entry: Entry, options: ResolvedOptions): Promise<TripResult> {
    const { gate, signal } = this.#context;
    // Across replicas (redis_url) a limited source also needs one of its shared leases; this process's own
    // limit already holds, so waiting here keeps at most that many global slots.
    const limit = options.perSourceConcurrency.get(entry.source);
    const lease = limit === undefined ? undefined : await options.sourceLeases?.acquire(entry.source, limit, signal);
    if (signal.aborted) {
      lease?.release();
      return NOT_SENT;
    }
    const ticket = acquireAuth(gate.auth, options.now());
    if ('kind' in ticket) {
      lease?.release();
      return NOT_SENT;
    }
    let isSent = false;
    this.#context.onInFlight(entry, 1);
    try {
      const response = await gate.breaker.run((isProbe) => {
        isSent = true;
        return this.#request(entry, isProbe, ticket);
      });
      return { kind: 'delivered', status: response.status, durationMs: response.durationMs };
    } catch (err) {
      if (isBreakerOpenError(err)) {
        gate.turnedAway(entry);
        return TURNED_AWAY;
      }
      if (err instanceof DeliveryFailure) return { kind: 'failed', outcome: err.outcome };
      if (signal.aborted) return NOT_SENT;
      throw err;
    } finally {
      // The breaker turned it away before any request: the probe token goes back unused.
      if (!isSent) settleAuth(gate.auth, ticket, { kind: 'unknown' }, options.now(), options.authRetryIntervalMs);
      this.#context.onInFlight(entry, -1);
      lease?.release();
    }
  }

  /** The request, inside the breaker: a failure is thrown as a DeliveryFailure so the breaker can read its class. */
  async #request(entry: Entry, isProbe: boolean, ticket: AuthTicket): Promise<Sl1Response> {
    const { report } = this.#context;
    const options = this.#context.options();
    const at = options.now();
    entry.attempts++;
    entry.firstAttemptAt ??= at;
    entry.lastAttemptAt = at;
    // Awaited only when the hook returned a promise: the wiring's hooks are synchronous (no tick per request).
    const attempted = report.callNow('onAttempt', { alert: entry.alert, attempt: entry.attempts });
    if (attempted !== undefined) await attempted;
    const started = performance.now();
    let outcome: Outcome;
    let response: Sl1Response | undefined;
    try {
      // Read after the hook, right before sending: a client replaced meanwhile is never used again.
      const sl1 = this.#context.sl1();
      if (sl1 === undefined) throw new Error('no SL1 client in log mode');
      response = await sl1.send(entry.alert, this.#context.signal);
      outcome = classifyResponse(response.status, response.headers, { now: options.now(), maxRetryAfterMs: options.maxRetryAfterMs });
      entry.last = { status: response.status, bodyExcerpt: response.bodyExcerpt, em7Headers: response.em7Headers };
    } catch (err) {
      outcome = classifyError(err);
      entry.last = NOTHING_YET;
    }
    const durationMs = response?.durationMs ?? performance.now() - started;
    settleAuth(this.#context.gate.auth, ticket, authResultOf(outcome, response), options.now(), options.authRetryIntervalMs);
    const reported = report.callNow('onSl1Response', { status: response?.status ?? 0, durationMs });
    if (reported !== undefined) await reported;
    logOutcome(entry, outcome, { durationMs, isProbe, location: response?.headers['location'], sl1Id: response?.sl1Id, retryMaxAttempts: options.retryMaxAttempts });
    if (outcome.kind === 'delivered' && response !== undefined) return response;
    throw new DeliveryFailure(outcome as FailedOutcome, isProbe);
  }
}

/** Built once per options object: options are replaced by a reload, never changed, and this runs twice per attempt. */
const rulesByOptions = new WeakMap<ResolvedOptions, RetryRules>();

export function rulesOf(options: ResolvedOptions): RetryRules {
  let rules = rulesByOptions.get(options);
  if (rules === undefined) {
    rules = { retryMaxAttempts: options.retryMaxAttempts, maxAlertAgeMs: options.maxAlertAgeMs, backoff: { ...options.backoff, random: options.random } };
    rulesByOptions.set(options, rules);
  }
  return rules;
}

interface OutcomeFacts {
  readonly durationMs: number;
  readonly isProbe: boolean;
  readonly location: string | readonly string[] | undefined;
  /** The id SL1's JSON answer named (see sl1IdOf). */
  readonly sl1Id: string | undefined;
  readonly retryMaxAttempts: number;
}

function logOutcome(entry: Entry, outcome: Outcome, facts: OutcomeFacts): void {
  // The common line (delivered, at info) is usually below log_level: skip building its fields.
  if (outcome.kind === 'delivered' && entry.log.isLevelEnabled?.('info') === false) return;
  const fields = { outcome: outcome.kind, attempt: entry.attempts, isProbe: facts.isProbe, durationMs: Math.round(facts.durationMs), ...entry.last };
  delete fields.bodyExcerpt; // payload echo: kept for the dead-letter file, not for every log line
  if (fields.em7Headers !== undefined && Object.keys(fields.em7Headers).length === 0) delete fields.em7Headers;
  if (outcome.kind === 'delivered') {
    // "What did we send?": the text SL1's event policies match on, and where SL1 says it put it.
    const { location, sl1Id } = facts;
    const sent = {
      message: entry.alert.message.slice(0, 200),
      ...(location === undefined ? {} : { location: String(location) }),
      ...(sl1Id === undefined ? {} : { sl1Id }),
    };
    entry.log.info({ ...fields, ...sent }, 'alert delivered to SL1');
  } else if (outcome.kind === 'retryable') entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 attempt failed');
  else if (outcome.isAuth) {
    // The one error line about it is the pause's (see delivery-gate.ts); this says what became of the alert.
    const isHeld = entry.attempts < facts.retryMaxAttempts;
    entry.log.info({ ...fields, reason: outcome.reason, held: isHeld },
      isHeld ? 'SL1 refused the credentials; alert held until delivery resumes' : 'SL1 refused the credentials on the last attempt this alert may have');
  } else entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 rejected the alert; not retried');
}

function authResultOf(outcome: Outcome, response: Sl1Response | undefined): AuthResult {
  if (outcome.kind === 'permanent' && outcome.isAuth && response !== undefined) {
    return { kind: 'refused', status: response.status, detail: response.em7Headers['x-em7-status-message'] };
  }
  return response === undefined ? { kind: 'unknown' } : { kind: 'accepted' };
}
