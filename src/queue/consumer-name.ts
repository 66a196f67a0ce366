/**
 * This GenHook's name in the Redis consumer group, kept in data_dir: a restart under the same name finds
 * the alerts it held (recover) at once instead of waiting for another replica to claim them. data_dir has
 * one writer (genhook.lock), so two live processes never share a name.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/index.js';

export const CONSUMER_FILE = 'redis-consumer';

export async function consumerNameFor(dataDir: string): Promise<string> {
  const path = join(dataDir, CONSUMER_FILE);
  const existing = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (/^[\w.:-]{1,200}$/.test(existing)) return existing;
  const name = `${hostname().replace(/[^\w.-]/g, '_').slice(0, 60)}:${randomBytes(4).toString('hex')}`;
  // Atomic: a crash mid-write must not leave a half name, which the next start would replace by a new one.
  await writeFileAtomic(path, `${name}\n`);
  return name;
}
