/**
 * An alert GenHook has accepted: rendered, journaled, and on its way to SL1.
 * It is the unit every later stage (queue, delivery, journal, dead-letter) passes along.
 */
export interface Alert {
  /** Stable id: derived from the provider's delivery id where there is one, so redeliveries are recognisable. */
  readonly id: string;
  /** Id of the HTTP request that carried it (X-Request-Id); travels into every log line about it. */
  readonly requestId: string;
  /** Source name as configured in webhooks.ini, lower case (`github`). */
  readonly source: string;
  /** Event as identified (`pull_request.opened`), or undefined when the source names none. */
  readonly event: string | undefined;
  /** The rendered message, the text SL1 event policies match on. */
  readonly message: string;
  /** Extra SL1 alert body fields configured for the source (`aligned_resource`, `force_ytype`, ...). */
  readonly fields: Readonly<Record<string, string>>;
  /** When GenHook accepted the webhook, epoch milliseconds. */
  readonly receivedAt: number;
}

/** Roughly what an alert costs in memory besides its strings: the entry, its logger and map slots. */
const ALERT_OVERHEAD_BYTES = 256;

/**
 * The size an alert counts for against `queue_max_bytes`: its strings' lengths (V8 keeps most as one byte per
 * character) plus a fixed overhead. O(number of fields), so it is cheap enough for every offer and release.
 */
export function alertBytes(alert: Alert): number {
  let bytes = ALERT_OVERHEAD_BYTES + alert.id.length + alert.requestId.length + alert.source.length + (alert.event?.length ?? 0) + alert.message.length;
  for (const key in alert.fields) bytes += key.length + (alert.fields[key]?.length ?? 0);
  return bytes;
}
