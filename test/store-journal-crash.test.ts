/**
 * Crash simulation: a child process appends in a loop and prints each id once append() resolved; the test SIGKILLs
 * it mid-stream and checks that every acknowledged (and not completed) id comes back from the journal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openJournal } from '../src/enqueue/journal.js';

// This file runs from <outDir>/test/, so the built journal is at <outDir>/src/enqueue/journal.js.
const journalModule = new URL('../src/enqueue/journal.js', import.meta.url).href;

const childScript = `
import { openJournal } from ${JSON.stringify(journalModule)};
const { journal } = await openJournal({ dir: process.argv[2], compactAfterBytes: 16 * 1024 });
const alert = (n) => ({ id: 'k:' + n, requestId: 'r' + n, source: 'slack', event: undefined,
  message: 'crash test ' + n + ' ' + 'y'.repeat(n % 97), fields: { n: String(n) }, receivedAt: n });
let n = 0;
for (;;) {
  // Several concurrent appends per round, so group commit and compaction are both in play when the kill lands.
  const ids = Array.from({ length: 1 + (n % 7) }, () => n++);
  await Promise.all(ids.map((id) => journal.append(alert(id)).then(() => {
    // stdout to a pipe is synchronous on POSIX: once the parent reads "ack", the append had resolved.
    process.stdout.write('ack ' + id + '\\n');
    if (id % 3 !== 0) {
      journal.complete('k:' + id);
      process.stdout.write('done ' + id + '\\n');
    }
  })));
}
`;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-crash-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('SIGKILL mid-stream: every acknowledged, uncompleted alert is pending after reopen', { skip: process.platform === 'win32' }, async () => {
  const dir = join(root, 'journal');
  const script = join(root, 'child.mjs');
  await writeFile(script, childScript);
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<number>();
  const completed = new Set<number>();
  let buffered = '';
  let killed = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, id] = line.split(' ');
      (kind === 'ack' ? acked : completed).add(Number(id));
    }
    // Kill on a count, not a timer: the child is busy appending when this lands.
    if (!killed && acked.size >= 3000) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL', `child exited on its own (code ${code}) before the kill`);

  const { journal, pending, recovery } = await openJournal({ dir });
  const pendingIds = new Set(pending.map((alert) => Number(alert.id.slice(2))));
  const missing = [...acked].filter((id) => !completed.has(id) && !pendingIds.has(id));
  assert.deepEqual(missing, [], 'acknowledged alerts lost in the crash');
  assert.ok(pendingIds.size >= acked.size / 3 - 1, 'the uncompleted third of the alerts should be pending');
  // Only whole, well-formed alerts come back, and at most the tail is cut.
  for (const alert of pending) assert.equal(alert.fields.n, alert.id.slice(2));
  assert.ok(recovery.skipped.every((skip) => skip.offset === recovery.truncatedAt), JSON.stringify(recovery));
  await journal.append({ id: 'after', requestId: 'r', source: 's', event: undefined, message: 'm', fields: {}, receivedAt: 0 });
  await journal.close();
});
