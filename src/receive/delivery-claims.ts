/**
 * One request at a time owns a delivery key between "not seen yet" and "journaled". A second request with the
 * same key waits for the first one's outcome: after a durable write it is a duplicate; after a failure it gets the
 * same failure (the provider retries), never a `200 duplicate` for an alert nobody stored.
 */
import type { HttpErrorCode } from '../errors/index.js';

/** What the owner's request answered when it could not store the alert (a 503 the waiters repeat). */
export interface ClaimFailure {
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ClaimOutcome = { readonly stored: true } | { readonly stored: false; readonly failure: ClaimFailure };

/** Keys one request holds; settle it exactly once (later calls do nothing). */
export interface Claim {
  stored(): void;
  failed(failure: ClaimFailure): void;
}

export class DeliveryClaims {
  readonly #owners = new Map<string, Promise<ClaimOutcome>>();

  /** Requests holding keys right now (a gauge for tests and /ready). */
  get size(): number {
    return this.#owners.size;
  }

  /**
   * Claims every key nobody holds. When another request holds one of them, claims nothing and returns what to wait
   * for instead; the caller awaits it and decides again (the other request may have stored or failed).
   */
  claim(keys: readonly string[]): { readonly claim: Claim } | { readonly wait: Promise<ClaimOutcome[]> } {
    const held = keys.flatMap((key) => {
      const owner = this.#owners.get(key);
      return owner ? [owner] : [];
    });
    if (held.length > 0) return { wait: Promise.all(held) };
    let settle!: (outcome: ClaimOutcome) => void;
    const outcome = new Promise<ClaimOutcome>((resolve) => (settle = resolve));
    for (const key of keys) this.#owners.set(key, outcome);
    let isSettled = false;
    const finish = (result: ClaimOutcome): void => {
      if (isSettled) return;
      isSettled = true;
      for (const key of keys) if (this.#owners.get(key) === outcome) this.#owners.delete(key);
      settle(result);
    };
    return { claim: { stored: () => finish({ stored: true }), failed: (failure) => finish({ stored: false, failure }) } };
  }
}
