/** Runs `genhook` (the built CLI) as a child process, the way an operator or start.sh does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

/** dist/test/support/child.js → dist/src/cli.js */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export interface ServingChild {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export interface ServeChildOptions {
  /** Flags for node itself, such as `--max-old-space-size=64`. */
  readonly nodeArgs?: readonly string[];
  /**
   * `ulimit -f` for the process, in 512-byte blocks (dash, /bin/sh here; bash counts 1024): writes that would grow a file past it
   * fail with EFBIG, as on a full disk (Node ignores SIGXFSZ). 0 means no file may grow at all.
   */
  readonly fileSizeLimitBlocks?: number;
}

/** Starts `genhook serve` and resolves once it logs its URL. */
export async function serveChild(settingsFile: string, webhooksFile: string, options: ServeChildOptions = {}): Promise<ServingChild> {
  const args = [...(options.nodeArgs ?? []), CLI, 'serve', '--settings', settingsFile, '--webhooks', webhooksFile];
  const env = { ...process.env, GENHOOK_LOG_PRETTY: 'false' };
  const stdio = ['ignore', 'pipe', 'pipe'] as const;
  const child =
    options.fileSizeLimitBlocks === undefined
      ? spawn(process.execPath, args, { stdio: [...stdio], env })
      : spawn('/bin/sh', ['-c', `ulimit -f ${options.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, ...args], { stdio: [...stdio], env });
  let output = '';
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*GenHook listening/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited.then((code) => reject(new Error(`genhook serve exited with ${code} before listening:\n${output}`)), reject);
  });
  return { child, url, output: () => output, exited };
}

export interface ConfigDir {
  readonly dir: string;
  readonly settingsFile: string;
  readonly webhooksFile: string;
}

/** A temp dir with settings.ini (loopback, port 0, data inside it, plus `settings`) and webhooks.ini. */
export async function writeConfigDir(settings: Readonly<Record<string, string | number | boolean>>, webhooks: string): Promise<ConfigDir> {
  const dir = await tempDir('genhook-proc-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  const all = { server_host: '127.0.0.1', server_port: 0, data_dir: join(dir, 'data'), log_level: 'info', ...settings };
  await writeFile(settingsFile, Object.entries(all).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
  await writeFile(webhooksFile, webhooks);
  return { dir, settingsFile, webhooksFile };
}
