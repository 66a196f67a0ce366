/**
 * What both baselines do per webhook, written once: read the body, verify the GitHub HMAC, parse JSON, answer
 * 202 (401 on a bad signature, 400 on bad JSON), then hand the parsed payload to `onAccepted`. Listens on
 * loopback, prints `ready <port>` on stdout and exits when its parent goes away.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { exitWithParent } from './child-guard.js';

const SIGNATURE_PREFIX = 'sha256=';

export function serveBareEdge(port: number, secret: string, onAccepted: (payload: unknown) => void = () => undefined): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers['x-hub-signature-256'];
      const expected = createHmac('sha256', secret).update(body).digest();
      const given = typeof header === 'string' && header.startsWith(SIGNATURE_PREFIX) ? Buffer.from(header.slice(SIGNATURE_PREFIX.length), 'hex') : undefined;
      if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"queued"}');
      onAccepted(payload);
    });
  });
  // Same keep-alive stance as a production server behind a load balancer: idle sockets stay open between rounds.
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`ready ${typeof address === 'object' && address !== null ? address.port : port}\n`);
  });
  exitWithParent();
}
