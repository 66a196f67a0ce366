/**
 * GenHook as a child process, started the way a user starts it (`cli.js serve --settings --webhooks`), with
 * the bench preload for life-tie and memory probes, and optionally --cpu-prof.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryReport } from './child-guard.js';
import { findFreePort, spawnChild, type BenchChild } from './children.js';
import { writeSettings, type GenhookConfig } from './genhook-config.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const PRELOAD = new URL('./genhook-preload.js', import.meta.url).href;

export interface GenhookChild {
  readonly child: BenchChild;
  readonly port: number;
  /** Sum of every sample of each metric family in /metrics. */
  metrics(): Promise<ReadonlyMap<string, number>>;
  /** Alerts accepted and not yet delivered: waiting plus in flight. */
  pending(): Promise<number>;
  /** Resolves once nothing is pending, or after `timeoutMs`; true when drained. */
  waitDrained(timeoutMs: number): Promise<boolean>;
  memory(gc: boolean): Promise<MemoryReport>;
}

export interface StartGenhookOptions {
  readonly name: string;
  readonly tmpRoot: string;
  readonly webhooksFile: string;
  readonly config: Omit<GenhookConfig, 'port' | 'dataDir'>;
  /** Write a .cpuprofile into this folder when the child exits. */
  readonly cpuProfDir?: string;
  /** taskset CPU list; unset: unpinned. */
  readonly cpus?: string | undefined;
  /** Another build's `dist/src/cli.js` (A/B comparisons); unset: this build's. */
  readonly cliPath?: string;
  /** More node flags (e.g. `--cpu-prof-interval=100`). */
  readonly nodeArgs?: readonly string[];
}

export function genhookCliPath(): string {
  return CLI;
}

export async function startGenhook(options: StartGenhookOptions): Promise<GenhookChild> {
  const port = await findFreePort();
  const dir = mkdtempSync(join(options.tmpRoot, `${options.name}-`));
  const settingsFile = writeSettings(dir, { ...options.config, port, dataDir: join(dir, 'data') });
  const base = `http://127.0.0.1:${port}`;
  const { child } = await spawnChild({
    name: options.name,
    script: options.cliPath ?? CLI,
    args: ['serve', '--settings', settingsFile, '--webhooks', options.webhooksFile],
    nodeArgs: [
      '--expose-gc',
      '--import', PRELOAD,
      ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]),
      ...(options.nodeArgs ?? []),
    ],
    ready: async () => (await fetch(`${base}/health`)).status === 200,
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  const metrics = async () => parseMetrics(await (await fetch(`${base}/metrics`)).text());
  const pending = async () => {
    const m = await metrics();
    return (m.get('genhook_queue_depth') ?? 0) + (m.get('genhook_deliveries_in_flight') ?? 0);
  };
  return {
    child,
    port,
    metrics,
    pending,
    async waitDrained(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await pending()) === 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return false;
    },
    memory: (gc) => child.ask<MemoryReport>({ type: 'memory', gc }, 'memory'),
  };
}

/** Prometheus text → family name → sum of its samples (labels summed over; _bucket/_sum/_count kept apart). */
export function parseMetrics(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const value = Number(match[2]);
    if (Number.isFinite(value)) sums.set(match[1], (sums.get(match[1]) ?? 0) + value);
  }
  return sums;
}
