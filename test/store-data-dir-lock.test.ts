/**
 * One writer per data_dir: a second GenHook refuses to start and names the holder; a lock left by a
 * process that died on this host is taken over; a lock from another host is never broken.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireDataDirLock, DATA_DIR_LOCK_FILE, StoreError } from '../src/store/index.js';
import { runCli, serveChild } from './support/child.js';
import { tempDir } from './support/temp-dir.js';

test('acquireDataDirLock() - a second holder on the same host is refused with pid and host named', async () => {
  const dir = await tempDir('genhook-lock-');
  const first = await acquireDataDirLock(dir, { pid: 4242, isAlive: () => true });
  const written = JSON.parse(await readFile(join(dir, DATA_DIR_LOCK_FILE), 'utf8')) as Record<string, unknown>;
  assert.equal(written['pid'], 4242);
  assert.equal(written['host'], hostname());
  await assert.rejects(acquireDataDirLock(dir, { pid: 4343, isAlive: () => true }), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'data_dir_locked');
    assert.match(error.message, /pid 4242 on this host/);
    assert.match(error.message, new RegExp(DATA_DIR_LOCK_FILE));
    return true;
  });
  await first.release();
  const again = await acquireDataDirLock(dir, { pid: 4343, isAlive: () => true });
  assert.equal(again.tookOverFrom, undefined, 'a released lock is simply free');
  await again.release();
});

test('acquireDataDirLock() - the stale lock of a dead pid on this host is taken over', async () => {
  const dir = await tempDir('genhook-lock-');
  await acquireDataDirLock(dir, { pid: 4242, isAlive: () => true }); // never released: a kill -9
  const lock = await acquireDataDirLock(dir, { pid: 4343, isAlive: (pid) => pid !== 4242 });
  assert.equal(lock.tookOverFrom?.pid, 4242);
  assert.equal(lock.owner.pid, 4343);
  await lock.release();
});

test('acquireDataDirLock() - a lock from another host is never broken, whatever its pid', async () => {
  const dir = await tempDir('genhook-lock-');
  await writeFile(join(dir, DATA_DIR_LOCK_FILE), `${JSON.stringify({ pid: 1, host: 'box-a', since: '2026-01-01T00:00:00.000Z' })}\n`);
  await assert.rejects(acquireDataDirLock(dir, { isAlive: () => false }), /pid 1 on host box-a \(since 2026-01-01/);
});

test('acquireDataDirLock() - a torn lock file (crash before its content was written) is taken over', async () => {
  const dir = await tempDir('genhook-lock-');
  await writeFile(join(dir, DATA_DIR_LOCK_FILE), '');
  const lock = await acquireDataDirLock(dir);
  assert.ok(lock.tookOverFrom !== undefined);
  await lock.release();
});

test('genhook serve - a second GenHook on the same data_dir refuses to start; after kill -9 of the first a new one takes over', async () => {
  const dir = await tempDir('genhook-lock-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  await writeFile(settingsFile, `server_host = 127.0.0.1\nserver_port = 0\ndata_dir = ${join(dir, 'data')}\nlog_level = info\n`);
  await writeFile(webhooksFile, 'burst: seq::Burst $seq$\n');
  const first = await serveChild(settingsFile, webhooksFile);
  try {
    const second = await runCli(['serve', '--settings', settingsFile, '--webhooks', webhooksFile]);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`GenHook did not start: data_dir .* is in use by GenHook pid ${first.child.pid} on this host`));
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    first.child.kill('SIGKILL');
    await first.exited;
  }
  const third = await serveChild(settingsFile, webhooksFile);
  try {
    assert.match(third.output(), /data_dir lock of a GenHook that is gone taken over/);
    assert.match(third.output(), new RegExp(`"pid":${first.child.pid}`));
  } finally {
    third.child.kill('SIGTERM');
    await third.exited;
  }
  // A clean stop leaves no lock behind.
  await assert.rejects(readFile(join(dir, 'data', DATA_DIR_LOCK_FILE)), /ENOENT/);
});
