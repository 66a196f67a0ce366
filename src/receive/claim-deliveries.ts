import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { Claim, ClaimFailure, ClaimOutcome } from './delivery-claims.js';
import type { RouteDeps } from './webhook-deps.js';

type Claimed = { readonly claim: Claim; readonly alerts: readonly PlannedAlert[]; readonly duplicates: readonly SkippedItem[] } | { readonly failure: ClaimFailure };

/**
 * Claims the alerts' delivery keys for this request. While another request holds one, waits for it: what it stored
 * becomes a duplicate here, and its failure is this request's answer too. Nobody else holding them (nearly every
 * request), it answers at once, not through a promise: no await on the hot path.
 */
export function claimDeliveries(planned: readonly PlannedAlert[], deps: RouteDeps): Claimed | Promise<Claimed> {
  const result = deps.claims.claim(planned.flatMap((alert) => alert.dedupKeys));
  if ('claim' in result) return { claim: result.claim, alerts: planned, duplicates: [] };
  return claimAfterWaiting(planned, deps, result.wait);
}

async function claimAfterWaiting(planned: readonly PlannedAlert[], deps: RouteDeps, firstWait: Promise<ClaimOutcome[]>): Promise<Claimed> {
  let alerts = planned;
  let wait = firstWait;
  const duplicates: SkippedItem[] = [];
  for (;;) {
    const outcomes = await wait;
    const failed = outcomes.find((outcome) => !outcome.stored);
    if (failed && !failed.stored) return { failure: failed.failure };
    const nowMs = deps.now();
    const fresh: PlannedAlert[] = [];
    for (const planned of alerts) {
      if (!planned.dedupKeys.some((key) => deps.dedup.has(key, nowMs))) {
        fresh.push(planned);
        continue;
      }
      const { alert } = planned;
      duplicates.push({ outcome: 'duplicate', event: alert.event, reason: `delivery ${alert.id} was stored by a concurrent request`, ruleName: planned.ruleName, id: alert.id });
    }
    alerts = fresh;
    const result = deps.claims.claim(alerts.flatMap((alert) => alert.dedupKeys));
    if ('claim' in result) return { claim: result.claim, alerts, duplicates };
    wait = result.wait;
  }
}
