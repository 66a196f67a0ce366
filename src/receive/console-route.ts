/**
 * `/console`: the web console's built assets (dist/console, made by `npm run build`), served by GenHook itself.
 * It exists only while `admin_token` is set, like /admin, whose API it calls with the token the user signs in with.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { fileURLToPath } from 'node:url';
import { describeRoute, ROUTE_DOCS } from './openapi.js';
import { sendError } from './respond.js';
import { ASSET_HEADERS, StaticFiles } from './static-files.js';

/** dist/src/receive/console-route.js → dist/console/ */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
const CONSOLE_FILES = ['index.html', 'console.js', 'console.js.map', 'console.css'];

export function mountConsoleRoutes(app: Hono<{ Bindings: HttpBindings }>, adminToken: () => string | undefined, dir = CONSOLE_DIR): void {
  const files = new StaticFiles(dir, CONSOLE_FILES);
  app.get('/console', describeRoute(ROUTE_DOCS.console), (c) => (adminToken() ? c.redirect('/console/', 301) : consoleOff(c)));
  app.get('/console/:file{.*}', describeRoute(ROUTE_DOCS.consoleFile), async (c) => {
    if (!adminToken()) return consoleOff(c);
    const name = c.req.param('file') || 'index.html';
    const file = await files.get(name);
    if (!file) {
      if (name === 'index.html') return sendError(c, 'console_not_built', 'the console assets are missing from dist/console; run npm run build');
      return sendError(c, 'not_found', `the console has no file ${name}`);
    }
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { ...ASSET_HEADERS, 'content-type': file.contentType });
  });
}

function consoleOff(c: Parameters<typeof sendError>[0]): Response {
  return sendError(c, 'not_found', 'the console is off; set admin_token in settings.ini to turn it on');
}
