/**
 * One POST to SL1 and its answer, as undici's own dispatch handler: what `pool.request()` does for us, without
 * what this client never uses (an async-hooks resource, a Readable stream for the answer, an AbortController and
 * its listeners per request). The answer is read to the end so the keep-alive socket is reused; only its first
 * bytes are kept. The request can be cut off by the client's timeout or the caller's signal at any point.
 */
import { util, type Dispatcher } from 'undici';
import { pickEm7Headers, type ResponseHeaders } from './classify.js';

/** What the client reads off an answer (see Sl1Response in sl1-client.ts). */
export interface Sl1Answer {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly em7Headers: Readonly<Record<string, string>>;
  /** The answer's first bytes, as text: up to `successBytes` of a JSON success answer, `excerptBytes` of any other. */
  readonly text: string;
}

export interface ExchangeLimits {
  /** Bytes kept of a non-2xx answer. */
  readonly excerptBytes: number;
  /** Bytes kept of a 2xx JSON answer (read for the id SL1 gave the alert); other 2xx answers are read and dropped. */
  readonly successBytes: number;
  /** Past this, an answer is not worth reading to the end: the socket is dropped instead of reused. */
  readonly discardBytes: number;
}

export class Sl1Exchange implements Dispatcher.DispatchHandler {
  readonly #limits: ExchangeLimits;
  readonly #settle: (error: Error | undefined, answer: Sl1Answer | undefined) => void;
  #abort: ((error?: Error) => void) | undefined;
  /** Set once aborted before undici handed over its abort function: the request is dropped when it would start. */
  #reason: Error | undefined;
  #isSettled = false;
  #status = 0;
  #headers: Record<string, string | string[]> = {};
  #keepBytes = 0;
  #kept: Buffer[] = [];
  #keptBytes = 0;
  #seenBytes = 0;

  constructor(limits: ExchangeLimits, settle: (error: Error | undefined, answer: Sl1Answer | undefined) => void) {
    this.#limits = limits;
    this.#settle = settle;
  }

  /** Ends the exchange now with `reason` (timeout, the caller's signal); the socket is dropped if it was in use. */
  abort(reason: Error): void {
    if (this.#isSettled) return;
    this.#finish(reason, undefined);
    if (this.#abort === undefined) this.#reason = reason;
    else this.#abort(reason);
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#reason !== undefined) abort(this.#reason);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: the answer is still to come
    this.#status = statusCode;
    // undici's own parse, as pool.request() gives them: lower-case names, a repeated header as an array, __proto__ kept as a header.
    this.#headers = util.parseHeaders(rawHeaders);
    const isSuccess = statusCode >= 200 && statusCode < 300;
    // A success body is only read for the id SL1 gave the alert (a JSON answer); any other is discarded.
    const isJson = /json/i.test(String(this.#headers['content-type'] ?? ''));
    this.#keepBytes = !isSuccess ? this.#limits.excerptBytes : isJson ? this.#limits.successBytes : 0;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#keptBytes < this.#keepBytes) {
      // A copy: undici's chunk is a view of the socket's read buffer, which it reuses.
      const slice = Buffer.from(chunk.subarray(0, this.#keepBytes - this.#keptBytes));
      this.#kept.push(slice);
      this.#keptBytes += slice.length;
    }
    this.#seenBytes += chunk.length;
    if (this.#seenBytes > this.#limits.discardBytes && !this.#isSettled) {
      this.#complete();
      this.#abort?.(new Error(`SL1 answer longer than ${this.#limits.discardBytes} bytes: its connection is dropped instead of read to the end`));
    }
    return true;
  }

  onComplete(): void {
    this.#complete();
  }

  onError(error: Error): void {
    this.#finish(error, undefined);
  }

  #complete(): void {
    const kept = this.#kept;
    const text = kept.length === 0 ? '' : (kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept)).toString('utf8');
    this.#finish(undefined, { status: this.#status, headers: this.#headers, em7Headers: pickEm7Headers(this.#headers), text });
  }

  #finish(error: Error | undefined, answer: Sl1Answer | undefined): void {
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.#settle(error, answer);
  }
}
