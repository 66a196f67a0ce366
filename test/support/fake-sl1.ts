import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../src/alert.js';

/** One request as the fake saw it. */
export interface RecordedRequest {
  /** 1-based arrival order. */
  readonly n: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Decoded `Authorization: Basic`, if any. */
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  readonly rawBody: string;
  /** Parsed JSON body; undefined when it was not JSON. */
  readonly body: Record<string, unknown> | undefined;
  /** Date.now() at arrival. */
  readonly at: number;
  /** Client port of the connection: equal ports on consecutive requests mean a reused keep-alive socket. */
  readonly remotePort: number | undefined;
  /** Position in the fake's start/end event sequence, for concurrency without clocks. */
  readonly startSeq: number;
  endSeq: number | undefined;
  /** What the fake answered; undefined while pending or when it hung. */
  status: number | undefined;
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Object bodies are sent as JSON. @default an SL1-like echo of the alert for 2xx, `{}` otherwise */
  readonly body?: string | object;
  /** Wait before answering. @default 0 */
  readonly delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the fake closes). */
  readonly hang?: boolean;
}

export type Behaviour = FakeReply | ((req: RecordedRequest, n: number) => FakeReply | Promise<FakeReply>);

export interface FakeSl1 {
  /** `http://127.0.0.1:<port>/api/alert` */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests answered 2xx: the alerts SL1 accepted. */
  readonly received: readonly RecordedRequest[];
  /** Requests being handled right now, and the most ever at once. */
  readonly concurrent: number;
  readonly maxConcurrent: number;
  /** Most requests at once sharing a key (say, the source a test put in `force_yname`). */
  maxConcurrentBy(key: (req: RecordedRequest) => string | undefined): Map<string, number>;
  /** Default answer from now on (one-shot answers queued by failTimes/rateLimit go first). */
  respondWith(status: number, reply?: Omit<FakeReply, 'status'>): void;
  behave(behaviour: Behaviour): void;
  /** The next `n` requests get `status`, then the default answer again. */
  failTimes(n: number, status?: number): void;
  /** The next `n` requests get 429 with `Retry-After: seconds`. */
  rateLimit(n: number, retryAfterSeconds: number): void;
  /** Every request from now on gets `status` (default 400) with `body`. */
  reject(status?: number, body?: string | object, headers?: Readonly<Record<string, string>>): void;
  /** Every request from now on is never answered. */
  hang(): void;
  /** Stops listening and drops open connections: connects are refused until restore(). */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Resolves once `count` requests were answered 2xx. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `count` requests arrived, whatever the answer. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSl1(options: { port?: number } = {}): Promise<FakeSl1> {
  const requests: RecordedRequest[] = [];
  const received: RecordedRequest[] = [];
  const oneShots: FakeReply[] = [];
  const waiters = new Set<() => void>();
  let base: Behaviour = { status: 201 };
  let seq = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = {
      n: requests.length + 1, method: req.method ?? '', path: req.url ?? '', headers: req.headers,
      auth: decodeBasic(req.headers.authorization), rawBody, body: parseJson(rawBody), at: Date.now(), remotePort: req.socket.remotePort,
      startSeq: ++seq, endSeq: undefined, status: undefined,
    };
    requests.push(record);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      concurrent--;
      record.endSeq = ++seq;
    };
    res.on('close', end);
    notify();
    const reply = oneShots.shift() ?? (typeof base === 'function' ? await base(record, record.n) : base);
    if (reply.hang === true) return;
    if (reply.delayMs !== undefined && reply.delayMs > 0) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    const body = reply.body ?? (reply.status < 300 ? echo(record.body) : {});
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    record.status = reply.status;
    if (reply.status >= 200 && reply.status < 300) received.push(record);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(text);
    end();
    notify();
  }

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  function waitUntil(done: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`fake SL1: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      waiters.add(check);
    });
  }

  return {
    url: `http://127.0.0.1:${port}/api/alert`,
    port,
    requests,
    received,
    get concurrent() {
      return concurrent;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    maxConcurrentBy(key) {
      const events: { seq: number; key: string; delta: number }[] = [];
      for (const r of requests) {
        const k = key(r);
        if (k === undefined) continue;
        events.push({ seq: r.startSeq, key: k, delta: 1 });
        if (r.endSeq !== undefined) events.push({ seq: r.endSeq, key: k, delta: -1 });
      }
      events.sort((a, b) => a.seq - b.seq);
      const now = new Map<string, number>();
      const max = new Map<string, number>();
      for (const e of events) {
        const c = (now.get(e.key) ?? 0) + e.delta;
        now.set(e.key, c);
        max.set(e.key, Math.max(max.get(e.key) ?? 0, c));
      }
      return max;
    },
    respondWith(status, reply = {}) {
      base = { ...reply, status };
    },
    behave(behaviour) {
      base = behaviour;
    },
    failTimes(n, status = 503) {
      for (let i = 0; i < n; i++) oneShots.push({ status });
    },
    rateLimit(n, retryAfterSeconds) {
      for (let i = 0; i < n; i++) oneShots.push({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) } });
    },
    reject(status = 400, body = { error: 'rejected by fake SL1' }, headers = {}) {
      base = { status, body, headers };
    },
    hang() {
      base = { status: 0, hang: true };
    },
    async refuse() {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
    async restore() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    waitFor(count, timeoutMs = 10_000) {
      return waitUntil(() => received.length >= count, () => `${count} accepted alerts (have ${received.length})`, timeoutMs);
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return waitUntil(() => requests.length >= count, () => `${count} requests (have ${requests.length})`, timeoutMs);
    },
    async close() {
      server.closeAllConnections();
      if (server.listening) await new Promise((r) => server.close(r));
    },
  };
}

function decodeBasic(header: string | undefined): RecordedRequest['auth'] {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What SL1 was seen to answer: the alert back, with message_time stamped. */
function echo(body: Record<string, unknown> | undefined): object {
  return { ...body, message_time: String(Math.floor(Date.now() / 1000)) };
}

let alertCounter = 0;

/** An Alert for delivery tests; `source` defaults to `github`, ids are unique per process. */
export function makeTestAlert(overrides: Partial<Alert> = {}): Alert {
  alertCounter++;
  return {
    id: `alert-${alertCounter}`,
    requestId: `req-${alertCounter}`,
    source: 'github',
    event: 'push',
    message: `github|push|test alert ${alertCounter}`,
    fields: {},
    receivedAt: Date.now(),
    ...overrides,
  };
}

/** Runs `fn` with `count` fake SL1 servers started, and closes them however `fn` ends. */
export async function withFakeSl1s(count: number, fn: (...fakes: FakeSl1[]) => Promise<void>): Promise<void> {
  const fakes = await Promise.all(Array.from({ length: count }, () => startFakeSl1()));
  try {
    await fn(...fakes);
  } finally {
    await Promise.all(fakes.map((fake) => fake.close()));
  }
}

/** {@link withFakeSl1s} with one server. */
export function withFakeSl1(fn: (fake: FakeSl1) => Promise<void>): Promise<void> {
  return withFakeSl1s(1, (fake) => fn(fake as FakeSl1));
}
