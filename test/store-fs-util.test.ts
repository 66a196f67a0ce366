/** writevAll: a short vectored write is carried on from the byte it stopped at, positional or appending. */
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writevAll, type VectorWriter } from '../src/store/fs-util.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-fs-util-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The real file's writev, but taking at most `most` bytes a call, as a file system may (a nearly full disk). */
function shortWrites(handle: FileHandle, most: number): VectorWriter & { calls: number } {
  const short = {
    calls: 0,
    writev: async (buffers: readonly Uint8Array[], position?: number) => {
      short.calls++;
      const taken: Uint8Array[] = [];
      let left = most;
      for (const buffer of buffers) {
        if (left === 0) break;
        const part = buffer.subarray(0, left);
        taken.push(part);
        left -= part.length;
      }
      const { bytesWritten } = await handle.writev(taken, position);
      return { bytesWritten };
    },
  };
  return short;
}

const pieces = () => ['alpha,', '', 'b', 'ravo,charlie,', 'delta\n'].map((text) => Buffer.from(text));

test('positional: every byte lands at its place over several short writes, empty buffers included', async () => {
  const path = join(root, 'positional');
  const handle = await open(path, 'w+');
  try {
    await handle.write(Buffer.from('HEAD:'), 0, 5, 0);
    const short = shortWrites(handle, 4);
    await writevAll(short, pieces(), 5);
    assert.equal(await readFile(path, 'utf8'), 'HEAD:alpha,bravo,charlie,delta\n');
    assert.equal(short.calls, Math.ceil(26 / 4));
  } finally {
    await handle.close();
  }
});

test('appending (position null) through an O_APPEND handle: the pieces follow what is there, in order', async () => {
  const path = join(root, 'append');
  const handle = await open(path, 'a+');
  try {
    await handle.write('first\n');
    await writevAll(shortWrites(handle, 5), pieces(), null);
    await writevAll(handle, [Buffer.from('last\n')], null);
    assert.equal(await readFile(path, 'utf8'), 'first\nalpha,bravo,charlie,delta\nlast\n');
  } finally {
    await handle.close();
  }
});

test('a write that makes no progress fails instead of spinning; nothing to write is no write', async () => {
  const stuck = { calls: 0, writev: async () => ({ bytesWritten: (stuck.calls++, 0) }) };
  await assert.rejects(writevAll(stuck, [Buffer.from('x')], 0), { code: 'EIO' });
  assert.equal(stuck.calls, 1);
  await writevAll(stuck, [], 0);
  await writevAll(stuck, [Buffer.alloc(0)], 0);
  assert.equal(stuck.calls, 3, 'an empty vector still asks once and is done');
});
