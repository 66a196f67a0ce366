/**
 * The webhook routes' node:http edge. `POST /webhook[/:source]` and the CloudEvents `OPTIONS` probe are taken
 * straight from node's IncomingMessage/ServerResponse in front of the Hono app, which serves everything else.
 * Why it steps around Hono: on this route the router (Hono falls back to its TrieRouter for GenHook's route
 * table), the Context, the Request and Response objects and the adapter's promise chain cost ~20 µs of CPU per
 * webhook; the bare receiver served through a Hono app with a route table like this one took 189 µs against 168 µs on plain
 * node:http (alternating pinned rounds), and GenHook went from 811k to 779k instructions per webhook with this
 * edge. @hono/node-server already runs with its lightweight Request/Response (overrideGlobalObjects, the default)
 * and the plain-headers 202; no adapter setting took the rest. The route reads the raw request and
 * answers small JSON. Only URLs that need no decoding or normalising are taken here; any other form (percent
 * escapes, dot segments, an unusual Host) is routed by Hono to the same handler, so the answers are the same.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../ops/metrics.js';
import { headerValue } from './request-facts.js';
import { requestIdFrom } from './request-id.js';
import { INTERNAL_ERROR, logInternalError } from './respond.js';
import { errorAnswer } from './webhook-answer.js';
import type { WebhookDeps } from './webhook-deps.js';
import { receiveWebhook, routeDeps } from './webhook-route.js';
import { writeAnswer } from './write-answer.js';

/** The two route patterns, also the request-duration metric's `route` label. */
export type WebhookRoute = '/webhook' | '/webhook/:source';

export interface WebhookEdge {
  /** Serves the request when it is a webhook route in its plain form (true); false: Hono serves it. */
  take(incoming: IncomingMessage, outgoing: ServerResponse): boolean;
  /** Serves a webhook request Hono routed: the same handler, answered on the same node response. */
  serve(incoming: IncomingMessage, outgoing: ServerResponse, route: WebhookRoute, sourceParam: string | undefined, path: string): Promise<void>;
}

/** A Host that @hono/node-server takes as it is (its own check); any other goes through its URL checks, so through Hono. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
/** `/webhook` or `/webhook/<source>` with nothing to decode, and an optional query (the route never reads it). */
const PLAIN_WEBHOOK_URL = /^\/webhook(?:\/([A-Za-z0-9._~-]+))?(?:\?[!$&-;=?-[\]_a-z~]*)?$/;
/** A `.` or `..` segment anywhere: Hono's adapter normalises the URL first, so Hono routes it. */
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

export function createWebhookEdge(deps: WebhookDeps): WebhookEdge {
  const shared = routeDeps(deps);
  const serve = async (incoming: IncomingMessage, outgoing: ServerResponse, route: WebhookRoute, sourceParam: string | undefined, path: string): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdFrom(headerValue(incoming, 'x-request-id'));
    let status: number;
    try {
      const answer = await receiveWebhook(incoming, sourceParam, shared, requestId);
      status = answer.status;
      writeAnswer(outgoing, answer, requestId);
    } catch (error) {
      // What the Hono app's error handler does for the other routes: log the bug with the path, answer 500.
      logInternalError(deps.logger, error, path);
      status = 500;
      if (!outgoing.headersSent) writeAnswer(outgoing, errorAnswer(INTERNAL_ERROR.code, INTERNAL_ERROR.message), requestId);
      else outgoing.destroy();
    }
    observeRequest(deps.metrics, route, status, started);
  };
  return {
    take(incoming, outgoing) {
      const { method, url = '' } = incoming;
      if (method !== 'POST' && method !== 'OPTIONS') return false;
      const match = PLAIN_WEBHOOK_URL.exec(url);
      const host = incoming.headers.host;
      if (match === null || host === undefined || !PLAIN_HOST.test(host) || DOT_SEGMENT.test(url)) return false;
      const source = match[1];
      const query = url.indexOf('?');
      void serve(incoming, outgoing, source === undefined ? '/webhook' : '/webhook/:source', source, query === -1 ? url : url.slice(0, query));
      return true;
    },
    serve,
  };
}

/** The request-duration metric, observed the same way for the Hono routes (app.ts) and the webhook edge. */
export function observeRequest(metrics: Metrics, routePath: string, status: number, started: number): void {
  // routePath is the pattern (`/webhook/:source`), never the raw URL, so the label set stays bounded.
  const route = routePath === '/*' || routePath === '*' ? 'unmatched' : routePath;
  metrics.requestDuration.observe({ route, status_class: `${Math.floor(status / 100)}xx` }, (performance.now() - started) / 1000);
}
