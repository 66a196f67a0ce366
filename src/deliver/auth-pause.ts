/**
 * Whether GenHook may log in to SL1 right now. SL1 locks a service account after a few failed logins, and a
 * locked account stops every integration that uses it, so credentials SL1 has not accepted yet are tried by
 * one request at a time, and a 401/403 pauses all delivery until the credentials change, an operator resumes,
 * or `sl1_auth_retry_interval` lets exactly one probe go.
 *
 * Pure: a state, events in, the next state out ({@link nextAuthState}), and what a send may do now
 * ({@link decideAuth}). {@link AuthPauseStore} is the tiny interface the dispatcher reads and updates it
 * through, so replicas can later share one state (a store backed by Redis) without touching the rules.
 */

export const AUTH_PHASES = ['unverified', 'verified', 'paused'] as const;
/**
 * - `unverified`: SL1 has not answered these credentials yet (start, new credentials, operator resume):
 *   one request at a time, the probe.
 * - `verified`: SL1 answered without refusing them: requests go at full concurrency.
 * - `paused`: SL1 answered 401 or 403: nothing goes, but one probe at `probeAt`.
 */
export type AuthPhase = (typeof AUTH_PHASES)[number];

export interface AuthPauseState {
  readonly phase: AuthPhase;
  /** Bumped when the credentials change or an operator resumes: answers to requests sent before are ignored. */
  readonly epoch: number;
  /** The one request allowed while unverified or paused is in flight. */
  readonly isProbing: boolean;
  /** Paused: when SL1 first refused (epoch ms). */
  readonly pausedAt?: number;
  /** Paused: when SL1 last refused. */
  readonly refusedAt?: number;
  /** Paused: when the next probe may go; undefined means only after a reload or a resume. */
  readonly probeAt?: number;
  /** Paused: SL1's status (401 or 403) and its `X-EM7-status-message`, if any. */
  readonly status?: number;
  readonly detail?: string;
}

export const INITIAL_AUTH_STATE: AuthPauseState = Object.freeze({ phase: 'unverified', epoch: 0, isProbing: false });

/** What a send may do now. `probe`: it may go, as the only one, and must report how it ended. */
export type AuthDecision =
  | { readonly kind: 'send' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'wait'; readonly until: number | undefined };

/** How a request sent under `epoch` ended, as far as the credentials go. */
export type AuthResult =
  /** An HTTP answer other than 401/403: SL1 did not refuse the credentials. */
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly status: number; readonly detail?: string | undefined }
  /** No answer (network error, timeout) or the probe was not sent after all: nothing learnt. */
  | { readonly kind: 'unknown' };

export type AuthEvent =
  | { readonly type: 'probe_started'; readonly epoch: number }
  | {
      readonly type: 'settled';
      readonly epoch: number;
      readonly isProbe: boolean;
      readonly result: AuthResult;
      readonly now: number;
      /** `sl1_auth_retry_interval`; 0 = probe only after a reload or resume. */
      readonly retryIntervalMs: number;
    }
  /** New credentials (or a new SL1) or an operator's resume: unverified again, one probe first. */
  | { readonly type: 'reset'; readonly reason: AuthResetReason }
  /** A reload changed `sl1_auth_retry_interval`: the next probe follows it. */
  | { readonly type: 'interval_changed'; readonly retryIntervalMs: number };

export const AUTH_RESET_REASONS = ['credentials', 'operator'] as const;
export type AuthResetReason = (typeof AUTH_RESET_REASONS)[number];

export function decideAuth(state: AuthPauseState, now: number): AuthDecision {
  switch (state.phase) {
    case 'verified':
      return { kind: 'send' };
    case 'unverified':
      return state.isProbing ? { kind: 'wait', until: undefined } : { kind: 'probe' };
    case 'paused':
      if (state.isProbing || state.probeAt === undefined) return { kind: 'wait', until: undefined };
      return now >= state.probeAt ? { kind: 'probe' } : { kind: 'wait', until: state.probeAt };
  }
}

export function nextAuthState(state: AuthPauseState, event: AuthEvent): AuthPauseState {
  switch (event.type) {
    case 'probe_started':
      if (event.epoch !== state.epoch || state.phase === 'verified' || state.isProbing) return state;
      return { ...state, isProbing: true };
    case 'reset':
      return { phase: 'unverified', epoch: state.epoch + 1, isProbing: false };
    case 'interval_changed':
      if (state.phase !== 'paused' || state.refusedAt === undefined) return state;
      return withProbeAt(state, state.refusedAt, event.retryIntervalMs);
    case 'settled':
      return settle(state, event);
  }
}

function settle(state: AuthPauseState, event: Extract<AuthEvent, { type: 'settled' }>): AuthPauseState {
  // An answer to a request sent with the old credentials says nothing about the new ones.
  if (event.epoch !== state.epoch) return state;
  const wasProbe = event.isProbe && state.isProbing;
  const { result, now } = event;
  if (result.kind === 'refused') {
    const paused: AuthPauseState = {
      phase: 'paused',
      epoch: state.epoch,
      // A request sent before the pause that comes back refused does not end a probe still in flight.
      isProbing: state.isProbing && !wasProbe,
      pausedAt: state.phase === 'paused' ? (state.pausedAt ?? now) : now,
      refusedAt: now,
      status: result.status,
      ...(result.detail === undefined ? {} : { detail: result.detail }),
    };
    return withProbeAt(paused, now, event.retryIntervalMs);
  }
  if (result.kind === 'accepted') {
    // Any request SL1 answered without refusing proves the credentials, probe or not.
    return { phase: 'verified', epoch: state.epoch, isProbing: false };
  }
  return wasProbe ? { ...state, isProbing: false } : state;
}

function withProbeAt(state: AuthPauseState, refusedAt: number, retryIntervalMs: number): AuthPauseState {
  const { probeAt: _previous, ...rest } = state;
  return retryIntervalMs > 0 ? { ...rest, probeAt: refusedAt + retryIntervalMs } : rest;
}

/**
 * Where the state lives: in memory for one GenHook; replicas behind a load balancer can share one (every
 * replica must stop when SL1 refuses any of them). `apply` must be atomic: the reducer runs on the current
 * state and the result is what every reader sees next.
 */
export interface AuthPauseStore {
  read(): AuthPauseState;
  apply(event: AuthEvent): AuthPauseState;
  /** Called after every change, wherever it came from; returns an unsubscribe function. */
  subscribe(listener: (state: AuthPauseState, previous: AuthPauseState) => void): () => void;
}

export function createMemoryAuthPauseStore(initial: AuthPauseState = INITIAL_AUTH_STATE): AuthPauseStore {
  let state = initial;
  const listeners = new Set<(state: AuthPauseState, previous: AuthPauseState) => void>();
  return {
    read: () => state,
    apply(event) {
      const previous = state;
      state = nextAuthState(state, event);
      if (state !== previous) for (const listener of [...listeners]) listener(state, previous);
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A permission to send, taken just before the request: report its result with {@link settleAuth}. */
export interface AuthTicket {
  readonly epoch: number;
  readonly isProbe: boolean;
}

/** Takes a ticket when the state allows a send now (the probe token when it is the probe), else says until when to wait. */
export function acquireAuth(store: AuthPauseStore, now: number): AuthTicket | Extract<AuthDecision, { kind: 'wait' }> {
  const state = store.read();
  const decision = decideAuth(state, now);
  if (decision.kind === 'wait') return decision;
  if (decision.kind === 'send') return { epoch: state.epoch, isProbe: false };
  const after = store.apply({ type: 'probe_started', epoch: state.epoch });
  // Another holder took the token first (a shared store): wait for its answer.
  if (after === state || !after.isProbing) return { kind: 'wait', until: undefined };
  return { epoch: state.epoch, isProbe: true };
}

export function settleAuth(store: AuthPauseStore, ticket: AuthTicket, result: AuthResult, now: number, retryIntervalMs: number): AuthPauseState {
  return store.apply({ type: 'settled', epoch: ticket.epoch, isProbe: ticket.isProbe, result, now, retryIntervalMs });
}
