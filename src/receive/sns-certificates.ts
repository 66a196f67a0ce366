/**
 * Loading AWS SNS signing certificates: from `sns_cert_dir` when it is set (placed ahead of time, named by the
 * URL's file name; then nothing is ever fetched), else over https from the SNS endpoint itself, without
 * following redirects, bounded in bytes and time, one fetch per URL at a time and a few at once, and cached
 * (bounded) so a message costs one RSA verify. Only URLs `checkSigningCertUrl` allows ever reach here.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { checkSigningCertUrl, type SnsCertificate, type SnsCertificateLookup } from '../verify/index.js';

/** Real certificates are about 1.7 KB; anything much larger is not one. */
export const MAX_CERTIFICATE_BYTES = 16 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const MAX_CACHED = 64;
const MAX_FETCHES_AT_ONCE = 4;
// A certificate URL names one certificate (AWS rotates by publishing a new URL), so a day is safe; a failure is
// remembered briefly so forged URLs cannot make GenHook fetch again and again.
const CACHE_MS = 24 * 3_600_000;
const FAILURE_CACHE_MS = 60_000;

export type CertificateSource = 'fetched' | 'dir';
export type CertificateLoad =
  | { readonly ok: true; readonly source: CertificateSource | 'cache' }
  | { readonly ok: false; readonly reason: string };

export interface SnsCertificateStoreOptions {
  /**
   * Connection pool for the fetches. Tests pass one that connects to a local server; the default is a
   * dedicated undici Agent with normal TLS verification against the system's CAs.
   */
  readonly dispatcher?: Dispatcher;
  readonly now?: () => number;
}

interface Cached<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export class SnsCertificateStore implements SnsCertificateLookup {
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #now: () => number;
  readonly #keys = new Map<string, Cached<KeyObject>>();
  readonly #failures = new Map<string, Cached<string>>();
  readonly #loading = new Map<string, Promise<CertificateLoad>>();

  constructor(options: SnsCertificateStoreOptions = {}) {
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: FETCH_TIMEOUT_MS }, connections: MAX_FETCHES_AT_ONCE });
    this.#now = options.now ?? Date.now;
  }

  /**
   * The public key of a loaded certificate, the reason a recent load failed, or undefined (not tried, or
   * forgotten). Synchronous: the verifier calls it.
   */
  get(url: string): SnsCertificate | undefined {
    const key = this.#fresh(this.#keys, url);
    if (key !== undefined) return { key };
    const failure = this.#fresh(this.#failures, url);
    return failure === undefined ? undefined : { failure };
  }

  #fresh<T>(map: Map<string, Cached<T>>, url: string): T | undefined {
    const cached = map.get(url);
    if (cached === undefined) return undefined;
    if (cached.expiresAt > this.#now()) return cached.value;
    map.delete(url);
    return undefined;
  }

  /** Number of certificates cached. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Loads the certificate for `url` into the cache. With `certDir`, only that directory is read.
   * Never throws; `reason` says what an operator can fix.
   */
  load(url: string, certDir: string | undefined): Promise<CertificateLoad> {
    const known = this.get(url);
    if (known !== undefined) return Promise.resolve('key' in known ? { ok: true, source: 'cache' } : { ok: false, reason: known.failure });
    const pending = this.#loading.get(url);
    if (pending !== undefined) return pending;
    const checked = checkSigningCertUrl(url);
    if (!checked.ok) return Promise.resolve({ ok: false, reason: checked.reason });
    if (certDir === undefined && this.#loading.size >= MAX_FETCHES_AT_ONCE) {
      // Not remembered as a failure: the certificate itself may be fine.
      return Promise.resolve({ ok: false, reason: `${MAX_FETCHES_AT_ONCE} certificate fetches are already in flight; retry later` });
    }
    const loading = (certDir === undefined ? this.#fetch(checked.url) : this.#read(certDir, checked.fileName)).then(
      (pem) => this.#remember(url, pem, certDir === undefined ? 'fetched' : 'dir'),
      (error: unknown) => this.#fail(url, error instanceof Error ? error.message : String(error)),
    );
    this.#loading.set(url, loading);
    void loading.finally(() => this.#loading.delete(url));
    return loading;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #remember(url: string, pem: string, source: CertificateSource): CertificateLoad {
    let key: KeyObject;
    try {
      key = new X509Certificate(pem).publicKey;
    } catch {
      return this.#fail(url, 'the file is not a PEM X.509 certificate');
    }
    if (key.asymmetricKeyType !== 'rsa') return this.#fail(url, `the certificate's key is ${key.asymmetricKeyType ?? 'unknown'}, not RSA`);
    boundedSet(this.#keys, url, { value: key, expiresAt: this.#now() + CACHE_MS });
    this.#failures.delete(url);
    return { ok: true, source };
  }

  #fail(url: string, reason: string): CertificateLoad {
    boundedSet(this.#failures, url, { value: reason, expiresAt: this.#now() + FAILURE_CACHE_MS });
    return { ok: false, reason };
  }

  async #read(certDir: string, fileName: string): Promise<string> {
    const path = join(certDir, fileName);
    let file;
    try {
      file = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `${fileName} is not in sns_cert_dir ${certDir}; place the certificate there (nothing is fetched while sns_cert_dir is set)` : `cannot read ${path}: ${code ?? String(error)}`);
    }
    try {
      const buffer = Buffer.alloc(MAX_CERTIFICATE_BYTES + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_CERTIFICATE_BYTES) throw new Error(`${path} is over ${MAX_CERTIFICATE_BYTES} bytes; not a certificate`);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  }

  async #fetch(url: string): Promise<string> {
    // undici's request follows no redirect: a 3xx is a failure like any other non-200.
    const response = await request(url, {
      method: 'GET',
      dispatcher: this.#dispatcher,
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new Error(`fetching ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw new Error(`fetching ${url} answered ${response.statusCode}${response.statusCode >= 300 && response.statusCode < 400 ? ' (redirects are not followed)' : ''}`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_CERTIFICATE_BYTES) {
      response.body.destroy();
      throw new Error(`${url} is ${declared} bytes; a certificate is at most ${MAX_CERTIFICATE_BYTES}`);
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_CERTIFICATE_BYTES) {
        response.body.destroy();
        throw new Error(`${url} is over ${MAX_CERTIFICATE_BYTES} bytes; not a certificate`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** Map insertion order is age order: past the bound, the oldest entry goes. */
function boundedSet<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_CACHED) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
