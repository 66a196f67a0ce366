/**
 * `/admin/status`, `/admin/alerts/recent` and `/admin/dead-letters…`: what on-call needs to see and do at
 * 3 a.m. without a shell on the host. Mounted inside the bearer-protected admin app.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import { buildAlertBody } from '../deliver/sl1-client.js';
import { describeRoute } from '../receive/openapi.js';
import { sendError } from '../receive/respond.js';
import type { Logger } from '../ops/logger.js';
import { BodyError } from '../errors/index.js';
import { parseJsonSafe, shorten } from '../payload/index.js';
import { rerenderDeadLetter, type DeadLetterEntry } from '../dead-letter/index.js';
import type { ConfigStore } from '../config/config-store.js';
import type { AdminOperations } from './operations.js';
import { ADMIN_DOCS } from './route-docs.js';
import type { DeadLetterRow } from './views.js';

type Env = { Bindings: HttpBindings };

/** Longest dead-letter list answered at once; `?limit=` asks for fewer. */
export const DEAD_LETTER_PAGE_MAX = 1000;

export function mountOperationsRoutes(admin: Hono<Env>, ops: AdminOperations, store: ConfigStore, logger: Logger): void {
  admin.get('/status', describeRoute(ADMIN_DOCS.status), async (c) => c.json(await ops.status()));

  admin.get('/alerts/recent', describeRoute(ADMIN_DOCS.recentAlerts), (c) => c.json(ops.recentAlerts()));

  admin.get('/dead-letters', describeRoute(ADMIN_DOCS.deadLetters), async (c) => {
    const limit = pageLimit(c.req.query('limit'));
    if (limit === undefined) return sendError(c, 'bad_limit', `limit must be a whole number from 1 to ${DEAD_LETTER_PAGE_MAX}`);
    const { entries, skipped } = await ops.readDeadLetters();
    const newest = entries.slice(-limit).reverse();
    return c.json({
      file: ops.deadLetterPath,
      total: entries.length,
      entries: newest.map(summarize),
      unreadable: skipped.map((line) => ({ line: line.line, reason: line.reason })),
    });
  });

  admin.get('/dead-letters/:id', describeRoute(ADMIN_DOCS.deadLetter), async (c) => {
    const id = c.req.param('id');
    const { entries } = await ops.readDeadLetters();
    const matching = entries.filter((entry) => entry.id === id);
    const entry = matching.at(-1);
    if (!entry) return sendError(c, 'unknown_dead_letter', `no dead-lettered alert with id "${id}" (see GET /admin/dead-letters)`);
    return c.json({ entry, times: matching.length, sl1Request: buildAlertBody({ message: entry.message, fields: entry.fields }) });
  });

  const replay = async (c: Context<Env>, select: (entry: DeadLetterEntry) => boolean, what: string, isRerender: boolean): Promise<Response> => {
    if (!store.config.settings.sl1_api_url) {
      return sendError(c, 'log_mode', `sl1_api_url is not set in ${store.config.settingsFile}; replaying would only log the alerts, so they stay dead-lettered`);
    }
    // Today's lines: the configuration serving now (a reload since the dead-lettering counts).
    const result = await ops.requeue(select, isRerender ? { rerender: (entry) => rerenderDeadLetter(store.config, entry) } : {});
    const skipped = result.notRerendered?.length ?? 0;
    logger.info(
      { admin: 'dead_letter_replay', what, rerender: isRerender, requeued: result.requeued, refused: result.refused, remaining: result.remaining, ...(isRerender ? { notRerendered: skipped } : {}) },
      `admin: dead letters replayed${isRerender ? ' re-rendered' : ''} (${result.requeued} requeued${skipped > 0 ? `, ${skipped} not re-rendered` : ''})`,
    );
    return c.json({ status: 'requeued', ...result }, result.requeued === 0 && result.refused > 0 ? 503 : 200);
  };

  admin.post('/dead-letters/replay', describeRoute(ADMIN_DOCS.replayMany), async (c) => {
    let body: unknown;
    try {
      body = parseJsonSafe(await c.req.text(), { maxDepth: store.config.settings.max_json_depth });
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      return sendError(c, error.code, error.message);
    }
    const request = replaySelection(body);
    if ('error' in request) return sendError(c, 'bad_request', request.error);
    const isRerender = rerenderFlag(c.req.query('rerender'));
    if (isRerender === undefined) return sendError(c, 'bad_request', RERENDER_QUERY);
    const { ids } = request;
    const rerender = request.rerender || isRerender;
    if (ids === 'all') return replay(c, () => true, 'all', rerender);
    const { entries } = await ops.readDeadLetters();
    const known = new Set(entries.map((entry) => entry.id));
    const unknown = [...ids].filter((id) => !known.has(id));
    if (unknown.length > 0) return sendError(c, 'unknown_dead_letter', `no dead-lettered alert with id ${unknown.map((id) => `"${id}"`).join(', ')}`);
    return replay(c, (entry) => ids.has(entry.id), [...ids].join(','), rerender);
  });

  admin.post('/dead-letters/:id/replay', describeRoute(ADMIN_DOCS.replayOne), async (c) => {
    const id = c.req.param('id');
    const { entries } = await ops.readDeadLetters();
    if (!entries.some((entry) => entry.id === id)) return sendError(c, 'unknown_dead_letter', `no dead-lettered alert with id "${id}"`);
    const isRerender = rerenderFlag(c.req.query('rerender'));
    if (isRerender === undefined) return sendError(c, 'bad_request', RERENDER_QUERY);
    return replay(c, (entry) => entry.id === id, id, isRerender);
  });

  admin.delete('/dead-letters/:id', describeRoute(ADMIN_DOCS.deleteDeadLetter), async (c) => {
    const id = c.req.param('id');
    const result = await ops.remove((entry) => entry.id === id);
    if (result.removed === 0) return sendError(c, 'unknown_dead_letter', `no dead-lettered alert with id "${id}"`);
    logger.info({ admin: 'dead_letter_delete', id, removed: result.removed }, `admin: dead letter ${id} deleted`);
    return c.json({ status: 'deleted', id, ...result });
  });
}

function summarize(entry: DeadLetterEntry): DeadLetterRow {
  return {
    id: entry.id,
    source: entry.source,
    event: entry.event ?? null,
    reason: entry.reason,
    status: entry.status ?? null,
    attempts: entry.attempts,
    deadLetteredAt: entry.deadLetteredAt,
    receivedAt: entry.receivedAt,
    message: shorten(entry.message, 300),
  };
}

function pageLimit(text: string | undefined): number | undefined {
  if (text === undefined) return DEAD_LETTER_PAGE_MAX;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isInteger(value) && value >= 1 && value <= DEAD_LETTER_PAGE_MAX ? value : undefined;
}

const RERENDER_QUERY = 'rerender must be true or false';

/** `?rerender=true|false` (absent: false); undefined when it is something else. */
function rerenderFlag(text: string | undefined): boolean | undefined {
  if (text === undefined || text === 'false' || text === '0') return false;
  return text === 'true' || text === '1' || text === '' ? true : undefined;
}

function replaySelection(body: unknown): { readonly ids: 'all' | ReadonlySet<string>; readonly rerender: boolean } | { readonly error: string } {
  const error = 'expected {"all": true} or {"ids": ["<alert id>", ...]}, with "rerender": true to render them anew with today\'s lines';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error };
  const { all, ids, rerender = false } = body as Record<string, unknown>;
  if (typeof rerender !== 'boolean') return { error };
  if (all === true && ids === undefined) return { ids: 'all', rerender };
  if (all === undefined && Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string')) return { ids: new Set(ids as string[]), rerender };
  return { error };
}
