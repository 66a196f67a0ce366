/**
 * Confirming an AWS SNS subscription: one outbound GET on the `SubscribeURL` of a
 * `SubscriptionConfirmation`, only when `sns_auto_confirm = true` and only to an SNS endpoint, so a forged
 * confirmation can never make GenHook call an arbitrary host (SSRF). Redirects are not followed.
 */
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../ops/logger.js';
import { SNS_HOST } from '../verify/index.js';


/** Bytes of SNS's answer worth keeping in a log line when confirmation fails. */
const EXCERPT_BYTES = 300;

export type SubscribeUrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly reason: string };

/** Pure: is `value` an https URL on an SNS endpoint, default port, without user info? */
export function checkSubscribeUrl(value: unknown): SubscribeUrlCheck {
  if (typeof value !== 'string' || value === '') return { ok: false, reason: 'the message has no SubscribeURL' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'SubscribeURL is not a URL' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'SubscribeURL is not https' };
  if (url.username !== '' || url.password !== '' || url.port !== '') {
    return { ok: false, reason: 'SubscribeURL carries user info or a port' };
  }
  if (!SNS_HOST.test(url.hostname)) return { ok: false, reason: `host ${url.hostname} is not sns.<region>.amazonaws.com` };
  return { ok: true, url };
}

export interface SnsConfirmOptions {
  readonly logger: Logger;
  /** Bound on the GET, connect to last byte. @default 10000 */
  readonly timeoutMs?: number;
  /** undici dispatcher; tests pass a MockAgent. @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
}

export type SnsConfirmOutcome = 'confirmed' | 'refused' | 'failed';

/**
 * GETs the SubscribeURL once `checkSubscribeUrl` allows it, logging the outcome; never throws.
 * `refused` means no request was made.
 */
export async function confirmSnsSubscription(
  subscribeUrl: unknown,
  fields: Readonly<Record<string, unknown>>,
  options: SnsConfirmOptions,
): Promise<SnsConfirmOutcome> {
  const { logger, timeoutMs = 10_000 } = options;
  const checked = checkSubscribeUrl(subscribeUrl);
  if (!checked.ok) {
    logger.warn({ ...fields, SubscribeURL: subscribeUrl, reason: checked.reason }, 'SNS subscription not confirmed: SubscribeURL refused; no request made');
    return 'refused';
  }
  try {
    const response = await request(checked.url, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const excerpt = (await response.body.text()).slice(0, EXCERPT_BYTES);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      logger.info({ ...fields, status: response.statusCode }, 'SNS subscription confirmed');
      return 'confirmed';
    }
    logger.warn({ ...fields, status: response.statusCode, answer: excerpt }, 'SNS subscription confirmation refused by AWS; confirm it by hand');
    return 'failed';
  } catch (error) {
    logger.warn({ ...fields, err: error }, 'SNS subscription confirmation failed; confirm it by hand');
    return 'failed';
  }
}
