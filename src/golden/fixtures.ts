/**
 * The fixture folder layout `genhook test` reads: `<dir>/<source>/<name>.json` is a payload as its sender
 * posts it, `<name>.meta.json` holds the headers it sends (`{"headers": {...}}`), and `<name>.expected.json`
 * the SL1 request bodies it must produce.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Fixture {
  /** Folder name: the GenHook source it is posted to (`github`). */
  readonly source: string;
  /** File name without `.json` (`pull-request-opened`). */
  readonly name: string;
  readonly payloadFile: string;
  readonly expectedFile: string;
  readonly rawBody: Buffer;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
}

const SIDE_FILES = ['.meta.json', '.expected.json'];

/** True for a payload file, not its `.meta.json` or `.expected.json`. */
export function isPayloadFile(file: string): boolean {
  return file.endsWith('.json') && !SIDE_FILES.some((suffix) => file.endsWith(suffix));
}

/** Every fixture under `dir`, sorted by source then name; a fixture without a readable .meta.json gets no headers but JSON's content type. */
export async function listFixtures(dir: string): Promise<{ fixtures: Fixture[]; problems: string[] }> {
  const fixtures: Fixture[] = [];
  const problems: string[] = [];
  const sources = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  for (const source of sources) {
    const files = (await readdir(join(dir, source))).filter(isPayloadFile).sort();
    for (const file of files) {
      const name = file.slice(0, -'.json'.length);
      const base = join(dir, source, name);
      const headers: Record<string, string> = {};
      try {
        const meta = JSON.parse(await readFile(`${base}.meta.json`, 'utf8')) as { headers?: Record<string, unknown> };
        for (const [key, value] of Object.entries(meta.headers ?? {})) headers[key.toLowerCase()] = String(value);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${base}.meta.json: ${(error as Error).message}`);
      }
      headers['content-type'] ??= 'application/json';
      fixtures.push({ source, name, payloadFile: `${base}.json`, expectedFile: `${base}.expected.json`, rawBody: await readFile(`${base}.json`), headers });
    }
  }
  return { fixtures, problems };
}
