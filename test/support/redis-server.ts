/**
 * A real redis-server for one test: a free loopback port, its own temp dir, AOF on and fsynced on every
 * write (what README recommends for GenHook), no RDB snapshots. `kill()` is a kill -9; `start()` again
 * restarts it on the same port from the same AOF.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { tempDir } from './temp-dir.js';

const BINARY = process.env['GENHOOK_TEST_REDIS_SERVER'] ?? 'redis-server';

/** Undefined when redis-server runs here; otherwise the reason to pass to test's `skip`. */
export const redisSkip: string | undefined = (() => {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0
    ? undefined
    : `redis-server not found: install it (Debian: apt-get install -y redis-server) to run the Redis tests`;
})();

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly pid: number | undefined;
  /** kill -9: no shutdown save, what the AOF holds is all that survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir (after kill()). */
  start(): Promise<void>;
  /** SIGTERM and wait; used at the end of a test. */
  stop(): Promise<void>;
}

export async function startTestRedis(extraArgs: readonly string[] = []): Promise<TestRedis> {
  const dir = await tempDir('genhook-redis-');
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    output = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no', '--maxmemory-policy', 'noeviction', ...extraArgs];
    const started = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(started, 'exit').then(() => {
      throw new Error(`redis-server exited before accepting connections:\n${output}`);
    });
    await Promise.race([waitForPort(port), exited]);
    exited.catch(() => undefined);
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    get pid() {
      return child?.pid;
    },
    kill: () => end('SIGKILL'),
    start,
    stop: () => end('SIGTERM'),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Event-driven: retries the connect on each refusal until it succeeds or 10 s pass. */
async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
