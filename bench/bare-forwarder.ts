/**
 * The end-to-end baseline: the least a forwarder must do. Reads the body, verifies the GitHub HMAC, parses
 * JSON, answers 202, then sends one alert per webhook to SL1 with one POST on a pooled undici connection
 * (50 connections, GenHook's default max_worker_threads, keep-alive). Nothing is durable: no journal, no
 * retry, no dedup. `node bare-forwarder.js <port> <secret> <sl1 url>`; prints `ready <port>`.
 */
import { Pool } from 'undici';
import { serveBareEdge } from './bare-edge.js';

const [portArg = '0', secret = '', sl1Url = 'http://127.0.0.1:1/api/alert'] = process.argv.slice(2);
const target = new URL(sl1Url);
const pool = new Pool(target.origin, { connections: 50, pipelining: 1 });
const sl1Headers = {
  authorization: `Basic ${Buffer.from('bench:bench').toString('base64')}`,
  'content-type': 'application/json',
  accept: 'application/json',
};

function forward(payload: { repository?: { full_name?: unknown }; pusher?: { name?: unknown }; ref?: unknown }): void {
  // As small as an SL1 alert gets: a message and the entity it is about.
  const body = JSON.stringify({
    message: `push to ${String(payload.repository?.full_name)} ${String(payload.ref)} by ${String(payload.pusher?.name)}`,
    aligned_resource: '/api/organization/0',
  });
  pool.request({ method: 'POST', path: target.pathname, headers: sl1Headers, body }).then(
    (response) => response.body.dump(),
    () => undefined,
  );
}

serveBareEdge(Number(portArg), secret, (payload) => forward(payload as Parameters<typeof forward>[0]));
