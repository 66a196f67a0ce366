/**
 * Temp dirs for tests, removed when the test file's process exits (node --test runs each file in a process of
 * its own), so a test run leaves nothing in the system's temp dir: before, each `npm test` left ~120 MB there.
 * Removed at exit rather than after each test: a restart test reuses its dir, and a child process a test stops
 * in `t.after` may still be closing its files when the test itself ends.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.once('exit', () => {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Still in use (a mount a test could not undo): the system's temp cleaning gets it.
    }
  }
});

/** A new directory under the system's temp dir, named `prefix` + six random characters. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
