/**
 * The Hono application: probes, metrics, the management API, console and docs; and the webhook routes, which
 * the node:http edge (webhook-edge.ts) serves in front of it for every plain URL. Handlers sit next to their
 * paths; the stages they call live in their own folders.
 */
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { mountConsoleRoutes } from './console-route.js';
import { describeRoute, mountApiDocs, ROUTE_DOCS } from './openapi.js';
import { INTERNAL_ERROR, logInternalError, sendError } from './respond.js';
import type { Env, WebhookDeps } from './webhook-deps.js';
import { createWebhookEdge, observeRequest, type WebhookEdge, type WebhookRoute } from './webhook-edge.js';

export interface ReadinessReport {
  readonly isReady: boolean;
  readonly checks: Readonly<Record<string, unknown>>;
}

export interface AppDeps extends WebhookDeps {
  /** Async with `workers` > 1: the report then covers every worker of the group. */
  readonly readiness: () => ReadinessReport | Promise<ReadinessReport>;
  /** The /metrics text; default this process's registry (with `workers` > 1: the whole group's). */
  readonly metricsText?: () => Promise<string>;
  /** Extra facts for the /health body (liveness stays 200 while the process runs). */
  readonly health?: () => Readonly<Record<string, unknown>>;
  /** Extra routes (the management API) mounted by the composition root. */
  readonly mount?: (app: Hono<{ Bindings: HttpBindings }>) => void;
}

/** What the listener serves: the webhook edge first, then the Hono app (whose route table /openapi.json describes). */
export interface HttpEdge {
  readonly app: Hono<Env>;
  readonly webhooks: WebhookEdge;
}

export function createApp(deps: AppDeps): HttpEdge {
  const app = new Hono<Env>();
  const { metrics, logger } = deps;
  const webhooks = createWebhookEdge(deps);

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    // A webhook routed here was answered, and observed, by the webhook edge.
    if (c.res !== RESPONSE_ALREADY_SENT) observeRequest(metrics, c.req.routePath, c.res.status, started);
  });

  mountWebhookRoutes(app, webhooks);

  app.get('/health', describeRoute(ROUTE_DOCS.health), (c) => c.json({ status: 'ok', ...deps.health?.() }));

  app.get('/ready', describeRoute(ROUTE_DOCS.ready), async (c) => {
    const report = await deps.readiness();
    return c.json({ status: report.isReady ? 'ready' : 'not_ready', ...report.checks }, report.isReady ? 200 : 503);
  });

  app.get('/metrics', describeRoute(ROUTE_DOCS.metrics), async (c) => {
    if (deps.metricsText === undefined) {
      c.header('content-type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics());
    }
    try {
      const text = await deps.metricsText();
      c.header('content-type', metrics.registry.contentType);
      return c.body(text);
    } catch (error) {
      // A partial sum would look like counters dropping; a failed scrape is a gap Prometheus shows as such.
      logger.warn({ err: error }, 'metrics of the worker group unavailable');
      return sendError(c, 'metrics_unavailable', (error as Error).message);
    }
  });

  mountConsoleRoutes(app, () => deps.config().settings.admin_token);
  deps.mount?.(app);
  mountApiDocs(app);

  app.notFound((c) =>
    sendError(c, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}; webhooks go to POST /webhook/<source>`),
  );

  app.onError((error, c) => {
    logInternalError(logger, error, new URL(c.req.url).pathname);
    return sendError(c, INTERNAL_ERROR.code, INTERNAL_ERROR.message);
  });

  return { app, webhooks };
}

/**
 * The webhook routes as Hono knows them: described for /openapi.json, and serving the URLs the edge leaves to
 * Hono (percent escapes, dot segments, an unusual Host) with the edge's own handler, on the node response.
 */
function mountWebhookRoutes(app: Hono<Env>, webhooks: WebhookEdge): void {
  const serve = (route: WebhookRoute) => async (c: Context<Env>) => {
    await webhooks.serve(c.env.incoming, c.env.outgoing, route, c.req.param('source'), new URL(c.req.url).pathname);
    return RESPONSE_ALREADY_SENT;
  };
  app.post('/webhook', describeRoute(ROUTE_DOCS.webhook), serve('/webhook'));
  app.post('/webhook/:source', describeRoute(ROUTE_DOCS.webhookForSource), serve('/webhook/:source'));
  app.options('/webhook', describeRoute(ROUTE_DOCS.handshake), serve('/webhook'));
  app.options('/webhook/:source', describeRoute(ROUTE_DOCS.handshakeForSource), serve('/webhook/:source'));
}
