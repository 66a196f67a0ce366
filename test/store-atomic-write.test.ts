import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { replaceFile, writeFileAtomic } from '../src/store/atomic-write.js';

describe('writeFileAtomic()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'genhook-atomic-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates a file, replaces it, and leaves no temp file behind', async () => {
    const path = join(dir, 'webhooks.ini');
    await writeFileAtomic(path, 'one\n');
    await writeFileAtomic(path, Buffer.from('two\n'));
    assert.equal(await readFile(path, 'utf8'), 'two\n');
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('webhooks')), ['webhooks.ini']);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const path = join(dir, 'secret.ini');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await writeFileAtomic(path, 'new');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('rejects and removes its temp file when the rename fails, leaving the target as it was', async () => {
    const target = join(dir, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true });
    await assert.rejects(writeFileAtomic(target, 'text'), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ });
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), []);
    assert.ok((await stat(target)).isDirectory());
  });
});

describe('replaceFile()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'genhook-replace-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('renames a written temp file over the target', async () => {
    await writeFile(join(dir, 'journal.log'), 'old');
    await writeFile(join(dir, 'journal.log.compact'), 'new');
    await replaceFile(join(dir, 'journal.log.compact'), join(dir, 'journal.log'));
    assert.equal(await readFile(join(dir, 'journal.log'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['journal.log']);
  });

  it('rejects when the temp file is missing and replaces nothing', async () => {
    await assert.rejects(replaceFile(join(dir, 'absent'), join(dir, 'journal.log')), { code: 'ENOENT' });
    assert.equal(await readFile(join(dir, 'journal.log'), 'utf8'), 'new');
  });
});
