import { readHeader, readOwn, readString } from '../payload/index.js';
import { defineHandshake } from './handshake.js';
import { joinWithAction } from './helpers.js';
import type { ProviderRow } from './provider-row.js';

/** GitHub sends `ping` when a hook is created; any 2xx completes it. */
export const githubPing = defineHandshake('github.ping', false, (req, kind) => {
  if (readHeader(req, 'x-github-event') !== 'ping') return undefined;
  const zen = readString(req.body, 'zen');
  return { kind, status: 200, body: { status: 'pong', ...(zen !== undefined && { zen }) }, log: { hook_id: readOwn(req.body, 'hook_id') } };
});

/** GitHub: `x-github-event`, plus `.action` when the body has one (`pull_request.opened`). */
export const github: ProviderRow = {
  name: 'github',
  headers: ['x-github-event'],
  event: (req, item) => joinWithAction(readHeader(req, 'x-github-event'), item),
  deliveryId: [{ header: 'x-github-delivery' }],
  split: 'whole',
  handshakes: [githubPing],
  signature: 'github',
};
