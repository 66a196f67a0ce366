/**
 * Step 4, listen: HTTP or HTTPS on server_host:server_port, with slow-request bounds. Each request goes to the
 * webhook edge first and, when it is not a webhook in its plain form, to the Hono app through @hono/node-server's
 * listener (what its `serve` would build, with the same options).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { readTlsFiles, type RuntimeConfig } from '../config/index.js';
import type { HttpEdge } from '../receive/app.js';

/** Listening failed for a reason the operator fixes in the settings (port in use, no permission). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code = 'listen_failed';
}

/**
 * Slow senders may not hold a connection for Node's default 300 s: providers post a complete webhook in well
 * under a second, so a request that takes longer than this is a slow-loris, not a webhook.
 */
const REQUEST_TIMEOUTS = { requestTimeout: 30_000, headersTimeout: 15_000 } as const;

export interface Listener {
  readonly server: Server;
  readonly port: number;
  /** Where a client on this host reaches it (`0.0.0.0` is shown as 127.0.0.1). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(edge: HttpEdge, config: RuntimeConfig): Promise<Listener> {
  const { settings } = config;
  const tls = await readTlsFiles(config);
  // The host name stands in for a missing Host header, as `serve({ hostname })` sets it.
  const served = getRequestListener(edge.app.fetch, { hostname: settings.server_host });
  const { webhooks } = edge;
  const onRequest = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    if (!webhooks.take(incoming, outgoing)) void served(incoming, outgoing);
  };
  const server: Server = tls !== undefined
    ? createHttpsServer({ ...REQUEST_TIMEOUTS, cert: tls.cert, key: tls.key }, onRequest)
    : createHttpServer(REQUEST_TIMEOUTS, onRequest);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(explainListenError(error, settings.server_host, settings.server_port)));
    server.listen(settings.server_port, settings.server_host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = settings.ssl_enabled ? 'https' : 'http';
  const url = `${scheme}://${settings.server_host === '0.0.0.0' ? '127.0.0.1' : settings.server_host}:${port}`;
  return { server, port, url, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    server.close(() => resolvePromise());
    server.closeAllConnections();
  });
}

function explainListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE') {
    return new ListenError(`port ${port} is already in use on ${host} (server_port / GENHOOK_SERVER_PORT): stop the other process or choose another port`);
  }
  if (error.code === 'EACCES') {
    return new ListenError(`no permission to listen on ${where} (server_port / GENHOOK_SERVER_PORT): ports below 1024 need privileges; use a port above 1024 behind a proxy`);
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new ListenError(`cannot listen on ${where}: ${host} is not an address of this machine (server_host / GENHOOK_SERVER_HOST)`);
  }
  return error;
}
