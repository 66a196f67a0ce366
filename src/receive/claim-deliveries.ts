import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { Claim, ClaimFailure } from './delivery-claims.js';
import type { RouteDeps } from './webhook-deps.js';

/**
 * Claims the alerts' delivery keys for this request. While another request holds one, waits for it: what it stored
 * becomes a duplicate here, and its failure is this request's answer too.
 */
export async function claimDeliveries(
  planned: readonly PlannedAlert[],
  deps: RouteDeps,
): Promise<{ readonly claim: Claim; readonly alerts: readonly PlannedAlert[]; readonly duplicates: readonly SkippedItem[] } | { readonly failure: ClaimFailure }> {
  let alerts = planned;
  const duplicates: SkippedItem[] = [];
  for (;;) {
    const result = deps.claims.claim(alerts.flatMap((alert) => alert.dedupKeys));
    if ('claim' in result) return { claim: result.claim, alerts, duplicates };
    const outcomes = await result.wait;
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
  }
}
