/**
 * The Hono application: webhook intake, probes and metrics. Handlers sit next to their paths; the stages
 * they call live in their own folders.
 */
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Metrics } from '../ops/metrics.js';
import { mountConsoleRoutes } from './console-route.js';
import { describeRoute, mountApiDocs, ROUTE_DOCS } from './openapi.js';
import { sendError } from './respond.js';
import type { WebhookDeps } from './webhook-deps.js';
import { mountWebhookRoutes } from './webhook-route.js';

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

export function createApp(deps: AppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const { metrics, logger } = deps;

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    observeRequest(metrics, c.req.routePath, c.res.status, started);
  });

  mountWebhookRoutes(app, deps);

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
    logger.error({ err: error, path: new URL(c.req.url).pathname }, 'request failed inside GenHook');
    return sendError(c, 'internal_error', 'GenHook failed to handle this request; it is logged');
  });

  return app;
}

function observeRequest(metrics: Metrics, routePath: string, status: number, started: number): void {
  // routePath is the pattern (`/webhook/:source`), never the raw URL, so the label set stays bounded.
  const route = routePath === '/*' || routePath === '*' ? 'unmatched' : routePath;
  metrics.requestDuration.observe({ route, status_class: `${Math.floor(status / 100)}xx` }, (performance.now() - started) / 1000);
}
