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
  readonly #owners = new Map<string, KeyClaim>();

  /** Requests holding keys right now (a gauge for tests and /ready). */
  get size(): number {
    return this.#owners.size;
  }

  /**
   * Claims every key nobody holds. When another request holds one of them, claims nothing and returns what to wait
   * for instead; the caller awaits it and decides again (the other request may have stored or failed).
   */
  claim(keys: readonly string[]): { readonly claim: Claim } | { readonly wait: Promise<ClaimOutcome[]> } {
    let held: Promise<ClaimOutcome>[] | undefined;
    for (const key of keys) {
      const owner = this.#owners.get(key);
      if (owner !== undefined) (held ??= []).push(owner.outcome());
    }
    if (held !== undefined) return { wait: Promise.all(held) };
    const claim = new KeyClaim(keys, this.#owners);
    for (const key of keys) this.#owners.set(key, claim);
    return { claim };
  }
}

/** One request's keys. Its outcome is a promise only once another request waits for it (rarely): none per request otherwise. */
class KeyClaim implements Claim {
  readonly #keys: readonly string[];
  readonly #owners: Map<string, KeyClaim>;
  #outcome: Promise<ClaimOutcome> | undefined;
  #settle: ((outcome: ClaimOutcome) => void) | undefined;
  #isSettled = false;

  constructor(keys: readonly string[], owners: Map<string, KeyClaim>) {
    this.#keys = keys;
    this.#owners = owners;
  }

  /** What a waiting request awaits; asked only while the claim is unsettled (it is in the owners' map). */
  outcome(): Promise<ClaimOutcome> {
    return (this.#outcome ??= new Promise<ClaimOutcome>((resolve) => (this.#settle = resolve)));
  }

  stored(): void {
    this.#finish({ stored: true });
  }

  failed(failure: ClaimFailure): void {
    this.#finish({ stored: false, failure });
  }

  #finish(result: ClaimOutcome): void {
    if (this.#isSettled) return;
    this.#isSettled = true;
    for (const key of this.#keys) if (this.#owners.get(key) === this) this.#owners.delete(key);
    this.#settle?.(result);
  }
}
