/**
 * A cheap, counting stand-in for SL1 `POST /api/alert`, run as a child process so its work does not share
 * the load generator's event loop. Answers 201 with a short JSON body; can pause (hold every request
 * unanswered, as a hung SL1 does) and resume. Controlled over IPC; prints `ready <port>` when listening.
 * Unlike test/support/fake-sl1.ts it keeps no request records, so a million alerts cost nothing.
 */
import { createServer, type ServerResponse } from 'node:http';
import { exitWithParent } from './child-guard.js';

export type Sl1Command = 'pause' | 'resume' | 'stats';

export interface Sl1Stats {
  readonly type: 'stats';
  /** Requests that arrived. */
  readonly arrived: number;
  /** Requests answered 201: alerts delivered. */
  readonly delivered: number;
  /** Requests held unanswered while paused. */
  readonly held: number;
  /** Mean request body size, bytes: what one alert costs on the wire to SL1. */
  readonly meanBodyBytes: number;
}

const ANSWER = '{"message":"Alert created","code":201}';
let arrived = 0;
let delivered = 0;
let bodyBytes = 0;
let isPaused = false;
const held: ServerResponse[] = [];

function answer(res: ServerResponse): void {
  if (res.destroyed) return;
  delivered++;
  res.writeHead(201, { 'content-type': 'application/json', 'content-length': ANSWER.length }).end(ANSWER);
}

const server = createServer((req, res) => {
  arrived++;
  req.on('data', (chunk: Buffer) => {
    bodyBytes += chunk.length;
  });
  req.on('end', () => (isPaused ? held.push(res) : answer(res)));
});
server.keepAliveTimeout = 30_000;
// A paused SL1 holds requests for as long as the client waits.
server.requestTimeout = 0;

process.on('message', (message: unknown) => {
  const command = (message as { cmd?: Sl1Command } | null)?.cmd;
  if (command === 'pause') isPaused = true;
  if (command === 'resume') {
    isPaused = false;
    for (const res of held.splice(0)) answer(res);
  }
  const stats: Sl1Stats = { type: 'stats', arrived, delivered, held: held.length, meanBodyBytes: arrived === 0 ? 0 : bodyBytes / arrived };
  process.send?.(stats);
});

server.listen(Number(process.argv[2] ?? '0'), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ready ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
exitWithParent();
