/** What the webhook routes are given by the composition root, and what their requests share. */
import type { HttpBindings } from '@hono/node-server';
import type { DedupCache } from '../admit/index.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { OfferItem, OfferResult } from '../queue/backend.js';
import type { OncePerInterval } from '../ops/once-per-interval.js';
import type { DeliveryClaims } from './delivery-claims.js';
import type { SnsCertificateStore } from './sns-certificates.js';

export interface WebhookDeps {
  readonly config: () => RuntimeConfig;
  readonly dedup: DedupCache;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** True once shutdown began: new webhooks get 503 so providers retry elsewhere or later. */
  readonly isDraining: () => boolean;
  /** AWS SNS signing certificates: looked up by the verifier, loaded here when one is missing. */
  readonly snsCertificates: SnsCertificateStore;
  /** Where accepted alerts are stored: this GenHook's journal, or with redis_url the queue every replica shares. */
  readonly queue: AlertQueue;
}

export type Env = { Bindings: HttpBindings };

/** WebhookDeps plus what the routes share among their requests. */
export type RouteDeps = WebhookDeps & { readonly holeLog: OncePerInterval; readonly claims: DeliveryClaims };

/** The queue backend's side the edge uses: stores alerts with their delivery keys; the shared one also charges shared rates. */
export interface AlertQueue {
  readonly kind: 'journal' | 'redis';
  offer(items: readonly OfferItem[]): Promise<OfferResult>;
  /** Charges one request to the source's rate shared by every replica; the wait in seconds when over it. */
  chargeRate?(source: string, limit: { readonly max: number; readonly windowMs: number }): Promise<{ readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number }>;
}
