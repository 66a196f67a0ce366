/**
 * The baseline: the least a receiving edge must do. Reads the body, verifies the GitHub HMAC, parses JSON,
 * answers 202. Run as a child process: `node bare-server.js <port> <secret>`; it prints `ready` on stdout
 * and exits when its parent goes away.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { exitWithParent } from './child-guard.js';

const [portArg = '0', secret = ''] = process.argv.slice(2);
const SIGNATURE_PREFIX = 'sha256=';

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
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"queued"}');
  });
});
// Same keep-alive stance as a production server behind a load balancer: idle sockets stay open between rounds.
server.keepAliveTimeout = 30_000;
server.listen(Number(portArg), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ready ${typeof address === 'object' && address !== null ? address.port : portArg}\n`);
});
exitWithParent();
