/**
 * GenHook's version, read once from package.json (two folders up from both src/ops and dist/src/ops' parent),
 * for `genhook --version` and `genhook_build_info`.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'genhook' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not this one: try the next candidate.
    }
  }
  return 'unknown';
}

export const GENHOOK_VERSION: string = readVersion();
