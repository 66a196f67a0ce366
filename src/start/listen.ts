/** Step 4, listen: HTTP or HTTPS on server_host:server_port, with slow-request bounds. */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { readTlsFiles, type RuntimeConfig } from '../config/index.js';

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
  readonly server: ServerType;
  readonly port: number;
  /** Where a client on this host reaches it (`0.0.0.0` is shown as 127.0.0.1). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: RuntimeConfig): Promise<Listener> {
  const { settings } = config;
  const tls = await readTlsFiles(config);
  const transport = tls !== undefined
    ? { createServer: createHttpsServer, serverOptions: { ...REQUEST_TIMEOUTS, cert: tls.cert, key: tls.key } }
    : { serverOptions: REQUEST_TIMEOUTS };
  const server = await new Promise<ServerType>((resolvePromise, reject) => {
    const started = serve({ fetch, port: settings.server_port, hostname: settings.server_host, ...transport }, () => resolvePromise(started));
    started.once('error', (error: NodeJS.ErrnoException) => reject(explainListenError(error, settings.server_host, settings.server_port)));
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = settings.ssl_enabled ? 'https' : 'http';
  const url = `${scheme}://${settings.server_host === '0.0.0.0' ? '127.0.0.1' : settings.server_host}:${port}`;
  return { server, port, url, close: () => closeServer(server) };
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolvePromise) => {
    server.close(() => resolvePromise());
    if ('closeAllConnections' in server) server.closeAllConnections();
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
