/**
 * A fixed set of files served from one folder, read into memory on first use: the console's built assets and
 * the API docs page. Only names in the set are served (no path is ever joined from the URL).
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** No inline script or style, nothing from another origin: the pages work offline and resist injection. */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface StaticFile {
  readonly body: Uint8Array;
  readonly contentType: string;
}

export class StaticFiles {
  readonly #dir: string;
  readonly #names: ReadonlySet<string>;
  readonly #cache = new Map<string, Promise<StaticFile | undefined>>();

  constructor(dir: string, names: readonly string[]) {
    this.#dir = dir;
    this.#names = new Set(names);
  }

  /** Undefined for a name outside the set or a file that is not there (assets not built). */
  get(name: string): Promise<StaticFile | undefined> {
    if (!this.#names.has(name)) return Promise.resolve(undefined);
    let file = this.#cache.get(name);
    if (!file) {
      file = readFile(join(this.#dir, name)).then(
        (body) => ({ body: new Uint8Array(body), contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream' }),
        () => {
          this.#cache.delete(name);
          return undefined;
        },
      );
      this.#cache.set(name, file);
    }
    return file;
  }
}
