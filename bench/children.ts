/**
 * Child processes of the benchmark: spawned with an IPC channel (so they die with the runner), tracked so
 * that every exit path of the runner kills them, and read from /proc for their memory.
 */
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Last lines the child wrote, for error messages. */
  readonly tail: () => string;
  /** Sends a message and resolves with the first answer whose `type` is `answerType`. */
  ask<T>(message: object, answerType: string, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Installs exit hooks once: whatever ends the runner (error, Ctrl-C, timeout) kills its children. */
export function guardChildren(): void {
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
}

/**
 * Runs a bench tool's `main` when the file is the script node was started with: children are killed on every
 * exit path, and a failure prints its stack and exits 1.
 */
export function runAsScript(moduleUrl: string, name: string, main: () => Promise<void>): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  guardChildren();
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

/** Starts one of the bench's own servers (fake SL1, bare server), which print `ready <port>` once listening. */
export async function startReadyChild(name: string, script: string, args: readonly string[], cpus?: string): Promise<{ child: BenchChild; port: number }> {
  const { child, readyMatch } = await spawnChild({ name, script, args, readyLine: /^ready (\d+)/, ...(cpus === undefined ? {} : { cpus }) });
  return { child, port: Number(readyMatch?.[1]) };
}

export interface SpawnOptions {
  readonly name: string;
  /** A node script, run with this node; ignored when `command` is set. */
  readonly script: string;
  /** Run this program instead of node (no IPC channel then; the runner's exit hooks still kill it). */
  readonly command?: string;
  /** CPUs to pin the process to with taskset (`'1'`, `'0-1'`); unset: the scheduler decides. */
  readonly cpus?: string;
  readonly args?: readonly string[];
  readonly nodeArgs?: readonly string[];
  /** Resolves once this returns true for a line of stdout, or `ready()` resolves. */
  readonly readyLine?: RegExp;
  readonly ready?: () => Promise<boolean>;
  /** @default 15000 */
  readonly readyTimeoutMs?: number;
}

export async function spawnChild(options: SpawnOptions): Promise<{ child: BenchChild; readyMatch: RegExpExecArray | undefined }> {
  const program = options.command ?? process.execPath;
  const programArgs = options.command === undefined ? [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])] : [...(options.args ?? [])];
  const [file, args] = options.cpus === undefined ? [program, programArgs] : ['taskset', ['-c', options.cpus, program, ...programArgs]];
  const proc = spawn(file, args, {
    stdio: options.command === undefined ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  live.add(proc);
  const lines: string[] = [];
  let readyMatch: RegExpExecArray | undefined;
  let onLine: (() => void) | undefined;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      const match = options.readyLine?.exec(line);
      if (match && readyMatch === undefined) {
        readyMatch = match;
        onLine?.();
      }
    }
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => {
    live.delete(proc);
    resolve();
  }));
  const tail = () => lines.slice(-12).join('\n');

  const child: BenchChild = {
    name: options.name,
    pid: proc.pid ?? -1,
    process: proc,
    tail,
    ask<T>(message: object, answerType: string, timeoutMs = 10_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          reject(new Error(`${options.name}: no '${answerType}' answer within ${timeoutMs} ms`));
        }, timeoutMs);
        const onMessage = (answer: unknown) => {
          if ((answer as { type?: unknown } | null)?.type !== answerType) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(answer as T);
        };
        proc.on('message', onMessage);
        proc.send(message);
      });
    },
    async stop(graceMs = 3000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const timeoutMs = options.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const failed = () => proc.exitCode !== null || proc.signalCode !== null;
  while (true) {
    if (readyMatch !== undefined) break;
    if (options.ready !== undefined && (await options.ready().catch(() => false))) break;
    if (failed()) throw new Error(`${options.name} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${tail()}`);
    if (Date.now() > deadline) {
      await child.stop(500);
      throw new Error(`${options.name} was not ready within ${timeoutMs} ms:\n${tail()}`);
    }
    await new Promise<void>((resolve) => {
      onLine = resolve;
      setTimeout(resolve, 50);
    });
  }
  return { child, readyMatch };
}

/** A port that was free a moment ago on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ProcMemory {
  /** Resident set now, bytes. */
  readonly rss: number;
  /** Peak resident set (VmHWM) since start or the last resetPeakRss, bytes. */
  readonly peakRss: number;
}

/** Reads VmRSS and VmHWM from /proc/<pid>/status (Linux). */
export function readProcMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

/** Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) the process has used so far, ms, from /proc/<pid>/stat; NaN once it is gone. */
export function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time of a process and everything under it, ms: its own, its reaped children's (cutime/cstime: the
 * commands adnanh/webhook forks) and its live descendants' (GenHook's workers). NaN once it is gone.
 */
export function readTreeCpuMs(pid: number): number {
  const pids = treePids(pid);
  if (pids.length === 0) return Number.NaN;
  let total = 0;
  for (const [at, member] of pids.entries()) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // The root gone since the walk: no figure. A child that ended since then is left out.
      if (at === 0) return Number.NaN;
    }
  }
  return total;
}

/** `pid` and every process under it, parent first; empty once `pid` is gone. */
function treePids(pid: number): number[] {
  try {
    const pids = [pid];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of list === '' ? [] : list.split(' ')) pids.push(...treePids(Number(child)));
    }
    return pids;
  } catch {
    return [];
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Waits until a process tree used (almost) no CPU for 400 ms: what it had to finish is finished. "Almost" is under
 * 10 ms in 200 ms for each of its processes: an idle GenHook still wakes for its timers, and a worker group is three
 * processes, whose idle sum once kept this waiting to its limit (and that idle CPU was counted against the round).
 */
export async function waitIdle(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = readTreeCpuMs(pid);
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = readTreeCpuMs(pid);
    quiet = now - last < 10 * Math.max(1, treePids(pid).length) ? quiet + 1 : 0;
    last = now;
  }
}
