/**
 * What happens next to one alert: send it now, wait (and why), retry at a time, finish it, or dead-letter it.
 * Pure: the alert's progress, the result of its last trip, the clock and a view of the gate in, one step out,
 * so the whole retry policy is one table test (test/deliver-policy.test.ts).
 *
 * Why not p-retry: p-retry retries a function in one call, sleeping between attempts with its own timers,
 * counting every rejection as an attempt. Here an alert waits between attempts without a delivery slot, for
 * the injected clock (backoff with jitter, SL1's Retry-After, expiry), and most of its waits are not attempts at
 * all: a paused dispatcher, an open breaker or the SL1 auth pause send nothing and must not use up
 * `retry_max_attempts`, which counts real SL1 requests, breaker probes included. Its limit and backoff also
 * follow a reload while the alert waits. Bending p-retry to that took `retries: Infinity`, a zero timeout and
 * an uncounted inner loop; this function says it directly.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { AuthDecision } from './auth-pause.js';
import type { BreakerState } from './breaker.js';
import type { Outcome } from './classify.js';
import type { DeadLetterReason } from './dispatcher-options.js';

export type FailedOutcome = Exclude<Outcome, { kind: 'delivered' }>;

/** What one trip through the delivery slots produced. */
export type TripResult =
  | { readonly kind: 'delivered'; readonly status: number; readonly durationMs: number }
  /** SL1 answered with a failure, or the request got no answer; `attempts` already counts it. */
  | { readonly kind: 'failed'; readonly outcome: FailedOutcome }
  /** Nothing was sent: the gate closed while the alert waited for its slot. */
  | { readonly kind: 'not_sent' };

/** The alert's own state, as far as the policy reads it. */
export interface AlertProgress {
  /** Real SL1 requests made for it so far (probes included). */
  readonly attempts: number;
  /** Epoch ms before which it is not attempted (backoff, Retry-After). */
  readonly notBefore: number;
  readonly receivedAt: number;
}

/** The conditions every alert passes before a request, read at the moment of the decision. */
export interface GateView {
  /** The dispatcher is closing: the alert stays in the queue for the next start. */
  readonly isClosed: boolean;
  /** No sl1_api_url: the alert is logged instead of sent. */
  readonly isLogMode: boolean;
  /** An operator paused delivery. */
  readonly isPaused: boolean;
  readonly breaker: BreakerState;
  /** The breaker turned this alert away since its last transition: it waits for the next one. */
  readonly isTurnedAwayByBreaker: boolean;
  /** Half-open: another alert holds the one probe the breaker lets through. */
  readonly isProbeTakenByOther: boolean;
  /** The SL1 auth pause's verdict (see auth-pause.ts). */
  readonly auth: AuthDecision;
}

export interface RetryRules {
  /** The most SL1 requests any alert gets. */
  readonly retryMaxAttempts: number;
  /** Age past which an alert is dead-lettered as expired. */
  readonly maxAlertAgeMs: number;
  readonly backoff: BackoffOptions;
}

export const WAIT_REASONS = ['paused', 'breaker_open', 'auth_pause', 'backoff', 'probe_in_flight'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export type NextStep =
  /** Take a slot and send. `isProbe`: it goes alone (the breaker's half-open probe or the auth probe). */
  | { readonly kind: 'send'; readonly isProbe: boolean }
  | { readonly kind: 'log' }
  /** Nothing to do before `until` (undefined: until something changes); the alert expires at `expiresAt` meanwhile. */
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly until: number | undefined; readonly expiresAt: number }
  /** The last request failed and another is allowed: not before `at`. */
  | { readonly kind: 'retry'; readonly at: number; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'delivered'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'dead_letter'; readonly reason: DeadLetterReason; readonly isAuth: boolean; readonly error: string }
  /** Closing: leave the alert where it is stored. */
  | { readonly kind: 'stop' };

export function planNext(progress: AlertProgress, last: TripResult | undefined, now: number, gate: GateView, rules: RetryRules): NextStep {
  if (gate.isClosed) return { kind: 'stop' };
  if (last?.kind === 'delivered') return { kind: 'delivered', status: last.status, durationMs: last.durationMs };
  if (last?.kind === 'failed') {
    const { outcome } = last;
    const isAuth = outcome.kind === 'permanent' && outcome.isAuth;
    if (outcome.kind === 'permanent' && !isAuth) return { kind: 'dead_letter', reason: 'permanent', isAuth: false, error: outcome.reason };
    if (progress.attempts >= rules.retryMaxAttempts) {
      return { kind: 'dead_letter', reason: isAuth ? 'permanent' : 'retries_exhausted', isAuth, error: outcome.reason };
    }
    if (outcome.kind === 'retryable') {
      const delayMs = Math.max(backoffDelay(progress.attempts, rules.backoff), outcome.retryAfterMs ?? 0);
      return { kind: 'retry', at: now + delayMs, delayMs, reason: outcome.reason };
    }
    // A 401/403 is not the alert's fault: the auth pause now holds it, like every other alert, until it ends.
  }
  return planAttempt(progress, now, gate, rules);
}

/** Before a request: may it go now, and if not, what does the alert wait for. */
function planAttempt(progress: AlertProgress, now: number, gate: GateView, rules: RetryRules): NextStep {
  const expiresAt = progress.receivedAt + rules.maxAlertAgeMs;
  if (now >= expiresAt) {
    return { kind: 'dead_letter', reason: 'expired', isAuth: false, error: `Alert older than ${rules.maxAlertAgeMs} ms (maxAlertAgeMs)` };
  }
  // Log mode has no SL1 to pause for, back off from or protect.
  if (gate.isLogMode) return { kind: 'log' };
  const wait = (reason: WaitReason, until?: number): NextStep => ({ kind: 'wait', reason, until, expiresAt });
  if (gate.isPaused) return wait('paused');
  if (gate.breaker === 'open' || (gate.isTurnedAwayByBreaker && gate.breaker !== 'closed')) return wait('breaker_open');
  if (gate.auth.kind === 'wait') return wait('auth_pause', gate.auth.until);
  if (progress.notBefore > now) return wait('backoff', progress.notBefore);
  if (gate.breaker === 'half_open' && gate.isProbeTakenByOther) return wait('probe_in_flight');
  return { kind: 'send', isProbe: gate.breaker === 'half_open' || gate.auth.kind === 'probe' };
}
