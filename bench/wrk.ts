/**
 * Saturating load with wrk (C, one event loop per thread), so the load generator costs far less CPU than the
 * server it drives. A small Lua script sends the signed GitHub push with a unique X-GitHub-Delivery per
 * request (thread number + counter) and prints wrk's summary as JSON when done.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import type { SignedBody } from './payloads.js';

export interface WrkOptions {
  readonly url: string;
  readonly payload: SignedBody;
  readonly durationSec: number;
  /** @default 64 */
  readonly connections?: number;
  /** @default 1 */
  readonly threads?: number;
  /** taskset CPU list for wrk; unset: unpinned. */
  readonly cpus?: string;
  /** Extra headers (the peer's, or none). */
  readonly headers?: Readonly<Record<string, string>>;
}

let wrkRun = 0;

function luaString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The Lua script: body read from a file once per thread, one counter per thread, the summary as one JSON line. */
function writeScript(dir: string, options: WrkOptions): string {
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, options.payload.body);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/bench',
    'X-GitHub-Event': 'push',
    'X-GitHub-Hook-ID': '123456',
    'X-Hub-Signature-256': options.payload.signature,
    ...options.headers,
  };
  const prefix = `wrk-${process.pid}-${++wrkRun}-`;
  const script = `
local threads = {}
local counter = 0
local prefix = ${luaString(prefix)}
local id = 0
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  local f = assert(io.open(${luaString(bodyFile)}, "rb"))
  wrk.body = f:read("*all")
  f:close()
  wrk.method = "POST"
${Object.entries(headers).map(([name, value]) => `  wrk.headers[${luaString(name)}] = ${luaString(value)}`).join('\n')}
  id = prefix .. tostring(tid) .. "-"
end
function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = id .. counter
  return wrk.format()
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
  const file = join(dir, 'signed-push.lua');
  writeFileSync(file, script);
  return file;
}

interface WrkSummary {
  readonly requests: number;
  readonly durationUs: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  /** Answers with status > 399. */
  readonly status: number;
  readonly timeout: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** One round of wrk at saturation; 2xx are the answers below 400 (GenHook and the peers answer 2xx or >= 400). */
export async function runWrk(options: WrkOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'genhook-wrk-'));
  try {
    const script = writeScript(dir, options);
    const args = ['-t', String(options.threads ?? 1), '-c', String(options.connections ?? 64), '-d', `${options.durationSec}s`, '--timeout', '30s', '-s', script, options.url];
    const [file, fullArgs] = options.cpus === undefined ? ['wrk', args] : ['taskset', ['-c', options.cpus, 'wrk', ...args]];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(file, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}:\n${out}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${output}`);
    const s = JSON.parse(line.slice('WRKJSON '.length)) as WrkSummary;
    const durationSec = s.durationUs / 1e6;
    const failed = s.status + s.timeout;
    const accepted = Math.max(0, s.requests - failed);
    return {
      acceptedPerSec: accepted / durationSec,
      accepted,
      non2xx: s.status,
      errors: s.connect + s.read + s.write,
      timeouts: s.timeout,
      p50Ms: s.p50Us / 1000,
      p99Ms: s.p99Us / 1000,
      durationSec,
      statusCounts: s.status > 0 ? { '4xx/5xx': s.status } : {},
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
