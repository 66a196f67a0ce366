/**
 * Other processes the bench runs: adnanh/webhook (Debian package `webhook`) as the all-cores peer, and a
 * redis-server for GenHook's `workers = auto` (more than one worker needs redis_url).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, spawnChild, type BenchChild } from './children.js';

/** Undefined when every program the bench needs runs here; otherwise what to install (one line per program). */
export function missingPrograms(): string[] {
  const missing: string[] = [];
  const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).error === undefined;
  if (!runs('wrk', ['--version'])) missing.push('wrk (Debian/Ubuntu: apt-get install -y wrk)');
  if (!runs('webhook', ['-version'])) missing.push('webhook, adnanh/webhook (Debian/Ubuntu: apt-get install -y webhook)');
  if (!runs('redis-server', ['--version'])) missing.push('redis-server (Debian/Ubuntu: apt-get install -y redis-server)');
  if (!runs('taskset', ['-V'])) missing.push('taskset (Debian/Ubuntu: apt-get install -y util-linux)');
  return missing;
}

const answers = async (url: string, init?: RequestInit): Promise<boolean> => {
  try {
    const response = await fetch(url, init);
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
};

export interface WebhookPeer {
  readonly child: BenchChild;
  readonly port: number;
  /** Where GitHub pushes go. */
  readonly url: string;
}

/**
 * adnanh/webhook with one hook: the GitHub signature checked by a payload-hmac-sha256 rule on
 * X-Hub-Signature-256, then /bin/true run (webhook answers once the command is started).
 */
export async function startWebhookPeer(dir: string, secret: string, cpus?: string): Promise<WebhookPeer> {
  mkdirSync(dir, { recursive: true });
  const hooks = [{
    id: 'github',
    'execute-command': '/bin/true',
    'command-working-directory': dir,
    'response-message': 'queued',
    'trigger-rule': { match: { type: 'payload-hmac-sha256', secret, parameter: { source: 'header', name: 'X-Hub-Signature-256' } } },
  }];
  const hooksFile = join(dir, 'hooks.json');
  writeFileSync(hooksFile, JSON.stringify(hooks, null, 2));
  const port = await findFreePort();
  const base = `http://127.0.0.1:${port}`;
  const { child } = await spawnChild({
    name: 'adnanh-webhook',
    script: '',
    command: 'webhook',
    args: ['-hooks', hooksFile, '-ip', '127.0.0.1', '-port', String(port)],
    ...(cpus === undefined ? {} : { cpus }),
    ready: () => answers(`${base}/`),
  });
  return { child, port, url: `${base}/hooks/github` };
}

export interface BenchRedis {
  readonly child: BenchChild;
  readonly url: string;
}

/** redis-server in its own dir: AOF on and fsynced on every write (what README recommends for GenHook), no RDB. */
export async function startRedis(dir: string, cpus?: string): Promise<BenchRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await findFreePort();
  const { child } = await spawnChild({
    name: 'redis-server',
    script: '',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no', '--maxmemory-policy', 'noeviction'],
    ...(cpus === undefined ? {} : { cpus }),
    readyLine: /Ready to accept connections/,
  });
  return { child, url: `redis://127.0.0.1:${port}` };
}
