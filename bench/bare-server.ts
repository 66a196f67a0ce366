/**
 * The baseline: the least a receiving edge must do. Reads the body, verifies the GitHub HMAC, parses JSON,
 * answers 202. Run as a child process: `node bare-server.js <port> <secret>`; it prints `ready` on stdout
 * and exits when its parent goes away.
 */
import { serveBareEdge } from './bare-edge.js';

const [portArg = '0', secret = ''] = process.argv.slice(2);
serveBareEdge(Number(portArg), secret);
