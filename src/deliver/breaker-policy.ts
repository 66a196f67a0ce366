/**
 * When to stop sending to SL1 for a while, as a pure state machine: a status and an event in, the next
 * status out, so every transition is one table test (test/deliver-breaker-policy.test.ts). breaker.ts is
 * the thin shell around it (the reset timer, the calls).
 *
 * Why not opossum: opossum counts a call in its failure rate when the call STARTS (`failures / fires`). With
 * many calls in flight against an SL1 that fails fast, every failure frees a slot for a new call, so the rate
 * passes 50 % only after about twice the concurrency; and it keeps an outage's failures in its window after
 * it closes, so one failure right after recovery reopens it. Using it anyway took running closed calls outside
 * it, replaying each outcome into it afterwards and rotating its buckets by hand. Here the window counts
 * settled calls, and a close starts a clean one.
 */
export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** The window is cut into this many buckets; an outcome leaves it with its bucket. */
export const BREAKER_BUCKETS = 10;

export interface BreakerRules {
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  readonly resetTimeoutMs: number;
}

export interface OutcomeBucket {
  /** Start of the bucket (epoch ms, a multiple of the bucket width). */
  readonly at: number;
  readonly calls: number;
  readonly failures: number;
}

export interface BreakerStatus {
  readonly state: BreakerState;
  /** Bumped on every transition: an outcome counts only in the period its call started in. */
  readonly period: number;
  /** Closed: the settled calls of the rolling window, oldest bucket first. */
  readonly window: readonly OutcomeBucket[];
  /** Half-open: the one call let through is out. */
  readonly isProbing: boolean;
}

export type BreakerEvent =
  /** A call may start now (its admission is {@link admitCall}'s answer). */
  | { readonly type: 'probe_started' }
  /** A call started in `period` ended; `isFailure`: SL1 unreachable or failing (a 4xx is no failure: SL1 is up). */
  | { readonly type: 'settled'; readonly period: number; readonly isFailure: boolean; readonly now: number }
  /** The reset timeout since the open passed: one probe may go. */
  | { readonly type: 'reset_timeout'; readonly period: number };

export const INITIAL_BREAKER_STATUS: BreakerStatus = Object.freeze({ state: 'closed', period: 0, window: [], isProbing: false });

/** Whether a call may start: freely (closed), as the one probe (half-open, none out yet), or not at all. */
export function admitCall(status: BreakerStatus): 'closed' | 'probe' | 'reject' {
  if (status.state === 'closed') return 'closed';
  return status.state === 'half_open' && !status.isProbing ? 'probe' : 'reject';
}

export function nextBreakerStatus(status: BreakerStatus, event: BreakerEvent, rules: BreakerRules): BreakerStatus {
  switch (event.type) {
    case 'probe_started':
      return status.state === 'half_open' && !status.isProbing ? { ...status, isProbing: true } : status;
    case 'reset_timeout':
      return status.state === 'open' && event.period === status.period ? moveTo(status, 'half_open') : status;
    case 'settled':
      // A late outcome from before a transition must not take the probe's place or dirty a fresh window.
      if (event.period !== status.period) return status;
      if (status.state === 'half_open') return moveTo(status, event.isFailure ? 'open' : 'closed');
      if (status.state === 'closed') return settleClosed(status, event.isFailure, event.now, rules);
      return status;
  }
}

function settleClosed(status: BreakerStatus, isFailure: boolean, now: number, rules: BreakerRules): BreakerStatus {
  const width = Math.max(1, Math.floor(rules.rollingWindowMs / BREAKER_BUCKETS));
  const at = now - (now % width);
  const window = status.window.filter((bucket) => bucket.at > now - rules.rollingWindowMs && bucket.at !== at);
  const current = status.window.find((bucket) => bucket.at === at) ?? { at, calls: 0, failures: 0 };
  window.push({ at, calls: current.calls + 1, failures: current.failures + (isFailure ? 1 : 0) });
  const calls = window.reduce((sum, bucket) => sum + bucket.calls, 0);
  const failures = window.reduce((sum, bucket) => sum + bucket.failures, 0);
  // As opossum decides: only on a failure, once the window holds volumeThreshold calls, above the percentage.
  if (isFailure && calls >= rules.volumeThreshold && (failures * 100) / calls > rules.errorThresholdPercentage) return moveTo(status, 'open');
  return { ...status, window };
}

function moveTo(status: BreakerStatus, state: BreakerState): BreakerStatus {
  return { state, period: status.period + 1, window: [], isProbing: false };
}
