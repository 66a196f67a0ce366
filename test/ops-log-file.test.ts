/** log_file: JSON lines written to a file that rotates by size and keeps log_max_files. */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { CLI } from './support/child.js';
import { send } from './support/genhook.js';
import { eventually } from './support/eventually.js';
import { tempDir } from './support/temp-dir.js';

/** A port free right now: with log_file set, GenHook prints nothing to stdout, so the test picks the port. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

test('log_file - rotated by log_max_size, only log_max_files kept, every line JSON with the request id', async () => {
  const dir = await tempDir('genhook-logs-');
  const port = await freePort();
  await writeFile(join(dir, 'webhooks.ini'), 'app: n::App alert $n$\n');
  await writeFile(
    join(dir, 'settings.ini'),
    ['server_host = 127.0.0.1', `server_port = ${port}`, 'data_dir = data', 'log_file = logs/genhook.log', 'log_max_size = 2KB', 'log_max_files = 3'].join('\n'),
  );
  const child = spawn(process.execPath, [CLI, 'serve', '--settings', join(dir, 'settings.ini'), '--webhooks', join(dir, 'webhooks.ini')], { stdio: 'ignore' });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  await eventually('the child to answer /health', () => fetch(`${url}/health`).then((response) => response.ok));
  const ids: string[] = [];
  for (let n = 0; n < 60; n += 1) {
    const response = await send(`${url}/webhook/app`, { n }, { 'x-request-id': `req-${n}` });
    assert.equal(response.status, 202);
    ids.push(response.json['id']);
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0);

  const files = (await readdir(join(dir, 'logs'))).filter((name) => /^genhook\.\d+\.log$/.test(name));
  assert.ok(files.length >= 2 && files.length <= 4, `rotated and pruned to log_max_files + 1: ${files.join(', ')}`);
  const newest = files.sort((a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]))[1] ?? files[0] ?? '';
  const lines = (await readFile(join(dir, 'logs', newest), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(lines.length > 0);
  const queued = lines.filter((line) => line['msg'] === 'webhook queued');
  for (const line of queued) assert.match(String(line['reqId']), /^req-\d+$/);
});
