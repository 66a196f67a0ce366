/**
 * The management API under /admin (bearer `admin_token`): list sources and lines, write lines, switch a
 * source on or off, reload, preview. Every write goes through ConfigStore.editWebhooks: validated like
 * `genhook check`, written atomically to webhooks.ini, served at once; 422 with the issues otherwise.
 */
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formatConfigIssue, type ConfigIssue, BodyError } from '../errors/index.js';
import { describeRoute } from '../receive/openapi.js';
import { sendError } from '../receive/respond.js';
import type { Logger } from '../ops/logger.js';
import { isRecord, parseJsonSafe } from '../payload/index.js';
import { requireAdminToken } from './auth.js';
import type { ConfigStore, WriteResult } from '../config/config-store.js';
import { describeLine, describeLines, describeSources } from './describe.js';
import { keyOfLine } from '../rules/index.js';
import { deleteLine, putLine, setSourceMarked } from './edit-webhooks.js';
import type { AdminOperations } from './operations.js';
import { mountOperationsRoutes } from './operations-routes.js';
import { parseProposedLine, previewPayload, type PreviewRequest } from './preview.js';
import { ADMIN_DOCS } from './route-docs.js';
import type { SourceRow } from './views.js';

type Env = { Bindings: HttpBindings };

/** The part of the dispatcher an operator may steer from /admin. */
export interface DeliveryControl {
  readonly authState: { readonly phase: string };
  readonly isPaused: boolean;
  resumeAuth(reason: 'operator'): void;
  resume(): void;
}

export interface AdminDeps {
  readonly store: ConfigStore;
  readonly logger: Logger;
  /** Status, counts, recent alerts and dead letters; without it only the configuration endpoints exist. */
  readonly operations?: AdminOperations;
  readonly delivery?: DeliveryControl;
}

export function mountAdminRoutes(app: Hono<Env>, { store, logger, operations, delivery }: AdminDeps): void {
  const admin = new Hono<Env>();
  admin.use(requireAdminToken(() => store.config.settings.admin_token, logger));
  admin.use((c, next) =>
    bodyLimit({
      maxSize: store.config.settings.max_body_size,
      onError: (ctx) => sendError(ctx, 'body_too_large', `the request body is over max_body_size (${store.config.settings.max_body_size} bytes)`),
    })(c, next),
  );

  admin.get('/sources', describeRoute(ADMIN_DOCS.sources), async (c) => {
    const sources = describeSources(store.current);
    if (!operations) return c.json({ sources });
    const counts = await operations.sourceCounts();
    const zero = { received: 0, queued: 0, delivered: 0, deadLettered: 0, missingFields: 0 };
    return c.json({ sources: sources.map((source): SourceRow => ({ ...source, counts: counts.get(source.name) ?? zero, lastError: operations.lastError(source.name) })) });
  });
  admin.get('/lines', describeRoute(ADMIN_DOCS.lines), (c) => c.json({ file: store.config.webhooksFile, lines: describeLines(store.current) }));

  admin.put('/lines/:name', describeRoute(ADMIN_DOCS.putLine), async (c) => {
    const name = c.req.param('name');
    const body = await readJson(c, store);
    if (body instanceof Response) return body;
    const line = lineFromBody(name, body);
    if ('issues' in line) return invalid(c, line.issues, 'the line is not valid; nothing was written');
    const target = keyOfLine(`${name}:`);
    if (!target) return sendError(c, 'bad_name', `"${name}" is not a line NAME; expected source, source.event or source.event[conditions]`);
    if (target.key !== line.key) {
      return sendError(c, 'name_mismatch', `the line names "${line.name}" but the URL names "${name}"; they must be the same NAME and conditions`);
    }
    const written = await store.editWebhooks((text, current) => {
      const put = putLine(text, target.key, line.text, { markNew: current.disabled.has(target.source) });
      return { text: put.text, result: put };
    });
    return answerWrite(c, written, (result) => {
      logger.info({ admin: 'put_line', name: line.name, outcome: result.outcome, line: result.number }, `admin: line ${line.name} ${result.outcome}`);
      const view = describeLines(store.current).find((entry) => entry.line === result.number);
      return [result.outcome === 'created' ? 201 : 200, { status: result.outcome, line: view ?? null }];
    });
  });

  admin.delete('/lines/:name', describeRoute(ADMIN_DOCS.deleteLine), async (c) => {
    const name = c.req.param('name');
    const target = keyOfLine(`${name}:`);
    const written = await store.editWebhooks<NonNullable<ReturnType<typeof deleteLine>>>((text) => {
      const removed = target ? deleteLine(text, target.key) : undefined;
      if (!removed) return { refuse: { code: 'unknown_line', message: `webhooks.ini has no line named "${name}" (see GET /admin/lines)` } };
      return { text: removed.text, result: removed };
    });
    return answerWrite(c, written, (result) => {
      logger.info({ admin: 'delete_line', name, lines: result.numbers }, `admin: line ${name} deleted`);
      return [200, { status: 'deleted', name, lines: result.numbers }];
    });
  });

  for (const action of ['enable', 'disable'] as const) {
    admin.post(`/sources/:source/${action}`, describeRoute(action === 'enable' ? ADMIN_DOCS.enableSource : ADMIN_DOCS.disableSource), async (c) => {
      const source = c.req.param('source').toLowerCase();
      const written = await store.editWebhooks<ReturnType<typeof setSourceMarked>>((text) => {
        const marked = setSourceMarked(text, source, action === 'disable');
        if (marked.lines === 0) return { refuse: { code: 'unknown_source', message: `webhooks.ini has no line for source "${source}"` } };
        return { text: marked.text, result: marked };
      });
      return answerWrite(c, written, (result) => {
        logger.info({ admin: `${action}_source`, source, changedLines: result.changed }, `admin: source ${source} ${action}d`);
        const view = describeSources(store.current).find((entry) => entry.name === source);
        return [200, { source, enabled: view?.enabled ?? action === 'enable', disabledBy: view?.disabledBy ?? null, changedLines: result.changed }];
      });
    });
  }

  admin.post('/reload', describeRoute(ADMIN_DOCS.reload), async (c) => {
    const result = await store.reload('admin');
    if (!result.ok) return invalid(c, result.issues, 'the configuration on disk is not valid; the running configuration stays');
    return c.json({
      status: 'reloaded',
      changed: result.changed,
      restartNeeded: result.restartNeeded,
      warnings: result.warnings.map(formatConfigIssue),
      sources: store.config.rules.sources(),
    });
  });

  admin.post('/delivery/resume', describeRoute(ADMIN_DOCS.resumeDelivery), (c) => {
    if (delivery === undefined) return sendError(c, 'not_found', 'no delivery to resume in this process');
    const wasAuthPaused = delivery.authState.phase === 'paused';
    const wasPaused = delivery.isPaused;
    logger.info({ admin: 'resume_delivery', wasAuthPaused, wasPaused }, 'admin: delivery resumed');
    delivery.resumeAuth('operator');
    if (wasPaused) delivery.resume();
    return c.json({
      status: wasAuthPaused || wasPaused ? 'resumed' : 'not_paused',
      sl1_auth_paused: false,
      // One alert goes first with the current credentials; the rest follow once SL1 accepts it.
      sl1Auth: delivery.authState.phase,
    });
  });

  admin.post('/preview/:source', describeRoute(ADMIN_DOCS.preview), async (c) => {
    const body = await readJson(c, store);
    if (body instanceof Response) return body;
    const request = previewRequestFrom(body);
    if (typeof request === 'string') return sendError(c, 'bad_request', request);
    const outcome = previewPayload(store.current, c.req.param('source'), request);
    if (outcome.kind === 'invalid_line') return invalid(c, outcome.issues, 'the proposed line is not valid');
    if (outcome.kind === 'unknown_source') {
      return sendError(c, 'unknown_source', `no line for source "${outcome.source}"; propose one with "line"`, { details: { knownSources: store.config.rules.sources() } });
    }
    return c.json({ source: outcome.source, delivered: false, items: outcome.items });
  });

  if (operations) mountOperationsRoutes(admin, operations, store, logger);

  app.route('/admin', admin);
}

/** `{"line": "NAME: FIELDS::TEMPLATE"}` or `{"fields", "template"}` with NAME from the URL; compiled alone first. */
function lineFromBody(name: string, body: unknown): { text: string; key: string; name: string } | { issues: readonly ConfigIssue[] } {
  const record = isRecord(body) ? body : {};
  const given = record['line'];
  const { fields, template } = record;
  let text: string;
  if (typeof given === 'string') text = given.trim();
  else if (typeof fields === 'string' && typeof template === 'string') text = `${name}: ${fields.trim()}::${template}`;
  else return { issues: [{ file: 'request body', line: 1, column: 1, message: 'expected {"line": "NAME: FIELDS::TEMPLATE"} or {"fields": "...", "template": "..."}' }] };
  const parsed = parseProposedLine(text, undefined, 'request line');
  if ('issues' in parsed) return parsed;
  const key = keyOfLine(text);
  return key ? { text, key: key.key, name: describeLine(parsed.rule, true).name } : { issues: [{ file: 'request line', line: 1, column: 1, message: 'expected NAME: FIELDS::TEMPLATE' }] };
}

function previewRequestFrom(body: unknown): PreviewRequest | string {
  if (!isRecord(body) || !('payload' in body)) return 'expected {"payload": {...}, "headers"?: {...}, "event"?: "...", "line"?: "NAME: FIELDS::TEMPLATE"}';
  const { payload, headers, event, line } = body;
  if (headers !== undefined && (!isRecord(headers) || Object.values(headers).some((value) => typeof value !== 'string'))) return '"headers" must be an object of strings';
  if (event !== undefined && typeof event !== 'string') return '"event" must be a string';
  if (line !== undefined && typeof line !== 'string') return '"line" must be a string';
  return {
    payload,
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
    ...(event === undefined ? {} : { event }),
    ...(line === undefined ? {} : { line }),
  };
}

async function readJson(c: Context<Env>, store: ConfigStore): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return parseJsonSafe(text, { maxDepth: store.config.settings.max_json_depth });
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    return sendError(c, error.code, error.message);
  }
}

function answerWrite<T>(c: Context<Env>, written: WriteResult<T>, ok: (result: T) => [number, Record<string, unknown>]): Response {
  if (written.ok) {
    const [status, body] = ok(written.result);
    return c.json({ ...body, ...(written.restartNeeded.length > 0 ? { restartNeeded: written.restartNeeded } : {}) }, status as ContentfulStatusCode);
  }
  if ('refuse' in written) return sendError(c, written.refuse.code, written.refuse.message);
  return invalid(c, written.issues, 'the change would make the configuration invalid; nothing was written');
}

function invalid(c: Context<Env>, issues: readonly ConfigIssue[], message: string): Response {
  return sendError(c, 'config_invalid', `${message} (${issues.length} problem${issues.length === 1 ? '' : 's'})`, {
    details: { issues: issues.map((issue) => ({ ...issue, text: formatConfigIssue(issue) })) },
  });
}
