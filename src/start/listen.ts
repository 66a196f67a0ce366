/** Step 4, listen: HTTP or HTTPS on server_host:server_port, with slow-request bounds. */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { settingsPath, type RuntimeConfig } from '../config/index.js';

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
  const transport = settings.ssl_enabled
    ? {
        createServer: createHttpsServer,
        serverOptions: {
          ...REQUEST_TIMEOUTS,
          cert: await readFile(settingsPath(config, settings.ssl_cert_path ?? '')),
          key: await readFile(settingsPath(config, settings.ssl_key_path ?? '')),
        },
      }
    : { serverOptions: REQUEST_TIMEOUTS };
  const server = await new Promise<ServerType>((resolvePromise, reject) => {
    const started = serve({ fetch, port: settings.server_port, hostname: settings.server_host, ...transport }, () => resolvePromise(started));
    started.once('error', reject);
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
