/**
 * Starts a real GenHook on 127.0.0.1 (port 0) with its config and data in a fresh temp dir, logging into
 * memory so tests can read what on-call would read.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/ops/logger.js';
import { startGenHook, type GenHook, type GenHookOptions } from '../../src/server.js';
import { eventually } from './eventually.js';
import { tempDir } from './temp-dir.js';

export interface TestGenHook {
  readonly genhook: GenHook;
  readonly url: string;
  readonly dir: string;
  /** Every log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  post(path: string, body: string | Uint8Array | object, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, any>;
}

export interface TestGenHookOptions {
  /** settings.ini lines added to the test defaults (127.0.0.1, port 0, data in the temp dir, log mode). */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** webhooks.ini text; default: the repo's shipped webhooks.ini. */
  readonly webhooks?: string;
  readonly dir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Keep the settings.ini and webhooks.ini already in `dir` (a restart); `settings` and `webhooks` are then unused. */
  readonly keepFiles?: boolean;
  /** Where SNS signing certificates are fetched from (a local HTTPS server); see GenHookOptions. */
  readonly snsCertificateDispatcher?: GenHookOptions['snsCertificateDispatcher'];
}

export async function startTestGenHook(options: TestGenHookOptions = {}): Promise<TestGenHook> {
  const dir = options.dir ?? (await tempDir('genhook-test-'));
  const settings = {
    server_host: '127.0.0.1',
    server_port: 0,
    data_dir: join(dir, 'data'),
    log_level: 'debug',
    watch_config: false,
    ...options.settings,
  };
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  if (!options.keepFiles) {
    await writeFile(settingsFile, Object.entries(settings).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
    await writeFile(webhooksFile, options.webhooks ?? (await readFile('webhooks.ini', 'utf8')));
  }

  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: String(settings.log_level) }, sink);
  const genhook = await startGenHook({
    settingsFile,
    webhooksFile,
    env: options.env ?? {},
    logger,
    ...(options.snsCertificateDispatcher ? { snsCertificateDispatcher: options.snsCertificateDispatcher } : {}),
  });
  return {
    genhook,
    url: genhook.url,
    dir,
    logs,
    post: (path, body, headers = {}) => send(`${genhook.url}${path}`, body, headers),
    close: async () => {
      await genhook.shutdown(2000);
    },
  };
}

export async function send(
  url: string,
  body: string | Uint8Array | object,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<TestResponse> {
  const isRaw = typeof body === 'string' || body instanceof Uint8Array;
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: isRaw ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    // Not every answer is JSON (handshake echoes, empty 200s).
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Waits until `predicate` holds (see {@link eventually}); a guard, not a timing assertion. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await eventually(what, predicate, { timeoutMs, intervalMs: 10 });
}
