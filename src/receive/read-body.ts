/**
 * Reads a request body straight from Node's IncomingMessage into one Buffer, refusing it as soon as it
 * passes the limit: a declared Content-Length over the limit is refused before a byte is read, and a
 * chunked body is cut off at the first chunk that crosses it.
 */
import type { IncomingMessage } from 'node:http';
import { httpStatusOf } from '../errors/index.js';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'body_too_large';
  readonly status = httpStatusOf(this.code);
  constructor(readonly limitBytes: number) {
    super(`request body is larger than max_body_size (${limitBytes} bytes)`);
  }
}

export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
  readonly code = 'body_aborted';
  readonly status = httpStatusOf(this.code);
  constructor() {
    super('the client closed the connection before the body was complete');
  }
}

export function readBody(incoming: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        // Stop reading; the edge answers 413 with Connection: close so the rest is never read.
        incoming.pause();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAborted = (): void => {
      cleanup();
      reject(new BodyAbortedError());
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}
