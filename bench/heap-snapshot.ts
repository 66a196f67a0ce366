/**
 * `node dist/bench/heap-snapshot.js [count]`: GenHook with SL1 paused and `count` alerts waiting (default
 * 10,000); writes a heap snapshot and prints which object kinds grew, per waiting alert. For the lead, when
 * memory per waiting alert needs explaining; not part of `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsScript, startReadyChild } from './children.js';
import { repoWebhooksFile } from './genhook-config.js';
import { startGenhook, type GenhookChild } from './genhook-child.js';
import { runLoad } from './load.js';
import { buildSignedPush } from './payloads.js';

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[]; readonly node_types: readonly [readonly string[]] } };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

/** Self size and count per "type:name" (constructor name for objects, "(string)" for strings, ...). */
export function sizeByKind(snapshot: HeapSnapshot): Map<string, { count: number; bytes: number }> {
  const fields = snapshot.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += stride) {
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const name = type === 'object' || type === 'closure' ? (snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '?') : '';
    const key = `${type}${name === '' ? '' : `:${name.slice(0, 60)}`}`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += snapshot.nodes[i + sizeAt] ?? 0;
    kinds.set(key, kind);
  }
  return kinds;
}

async function snapshotOf(gh: GenhookChild, file: string): Promise<Map<string, { count: number; bytes: number }>> {
  await gh.memory(true);
  const { file: written } = await gh.child.ask<{ file: string }>({ type: 'heap-snapshot', file }, 'heap-snapshot', 120_000);
  return sizeByKind(JSON.parse(readFileSync(written, 'utf8')) as HeapSnapshot);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '10000');
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'genhook-heap-'));
  const secret = 'bench-github-secret';
  const payload = buildSignedPush(secret, 7 * 1024);
  const { child: sl1, port: sl1Port } = await startReadyChild('fake-sl1', fileURLToPath(new URL('./fake-sl1-server.js', import.meta.url)), ['0']);
  try {
    const gh = await startGenhook({
      name: 'genhook-heap', tmpRoot, webhooksFile: repoWebhooksFile(),
      config: { secret, sl1Url: `http://127.0.0.1:${sl1Port}/api/alert`, queueMaxSize: count * 2, sl1Timeout: '120s' },
    });
    await runLoad({ port: gh.port, payload, amount: 2000 });
    await gh.waitDrained(15_000);
    const before = await snapshotOf(gh, join(tmpRoot, 'before.heapsnapshot'));
    await sl1.ask({ cmd: 'pause' }, 'stats');
    const burst = await runLoad({ port: gh.port, payload, amount: count });
    const after = await snapshotOf(gh, join(tmpRoot, 'after.heapsnapshot'));
    const grown = [...after]
      .map(([kind, a]) => ({ kind, count: a.count - (before.get(kind)?.count ?? 0), bytes: a.bytes - (before.get(kind)?.bytes ?? 0) }))
      .filter((k) => k.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes);
    const total = grown.reduce((sum, k) => sum + k.bytes, 0);
    process.stdout.write(`${burst.accepted} alerts waiting; heap grew ${(total / 2 ** 20).toFixed(1)} MiB = ${(total / burst.accepted).toFixed(0)} B per alert\n`);
    process.stdout.write('bytes/alert  objects/alert  kind\n');
    for (const k of grown.slice(0, 30)) {
      process.stdout.write(`${(k.bytes / burst.accepted).toFixed(0).padStart(11)}  ${(k.count / burst.accepted).toFixed(2).padStart(13)}  ${k.kind}\n`);
    }
    await sl1.ask({ cmd: 'resume' }, 'stats');
    await gh.child.stop();
  } finally {
    await sl1.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, 'heap-snapshot', main);
