import { readHeader } from '../payload/index.js';
import { joinWithAction } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** Sentry: `sentry-hook-resource`, plus `.action` (`issue.created`, `metric_alert.critical`). */
export const sentry: ProviderRow = {
  name: 'sentry',
  headers: ['sentry-hook-resource'],
  event: (req, item) => joinWithAction(readHeader(req, 'sentry-hook-resource'), item),
  deliveryId: [{ header: 'request-id' }],
  split: 'whole',
  handshakes: [],
  signature: 'hmac-sha256:Sentry-Hook-Signature:hex',
};
