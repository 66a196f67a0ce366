/**
 * Identification and line lookup in isolation, in-process: the per-request work that could grow with the
 * number of configured lines. Complements the HTTP rounds, whose noise hides a few microseconds.
 */
import { readFileSync } from 'node:fs';
import { compileConfig } from '../src/config/runtime.js';
import { eventOf, identifySource } from '../src/identify/index.js';
import { type RequestView } from '../src/payload/index.js';

export interface LookupCost {
  readonly lines: number;
  /** Nanoseconds for identify + event + rule match of one GitHub push (fastest round: noise only adds). */
  readonly nsPerLookup: number;
}

export function measureLookupCost(webhooksFiles: ReadonlyMap<number, string>, body: Buffer, settingsFile: string): LookupCost[] {
  const view: RequestView = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd1', 'x-hub-signature-256': 'sha256=00' },
    body: JSON.parse(body.toString('utf8')) as unknown,
  };
  const settingsText = readFileSync(settingsFile, 'utf8');
  const configs = [...webhooksFiles].map(([lines, file]) => {
    const { config } = compileConfig({ settingsFile, webhooksFile: file, settingsText, webhooksText: readFileSync(file, 'utf8') });
    return { lines, config };
  });
  const lookupOnce = (config: (typeof configs)[number]['config']) => {
    const provider = identifySource(view);
    const source = provider === undefined ? undefined : config.sourceByProvider.get(provider);
    if (source === undefined) throw new Error('bench: the GitHub push was not identified; is github in webhooks.ini?');
    const match = config.rules.match(source, eventOf(provider, view, view.body), view.body);
    if (match.kind !== 'matched') throw new Error(`bench: github.push did not match a line (${match.kind})`);
  };
  const samples = new Map<number, number[]>(configs.map((c) => [c.lines, []]));
  const iterations = 20_000;
  for (let round = 0; round < 15; round++) {
    for (const { lines, config } of configs) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) lookupOnce(config);
      samples.get(lines)?.push(Number(process.hrtime.bigint() - start) / iterations);
    }
  }
  // The first round warms the JIT.
  return configs.map(({ lines }) => ({ lines, nsPerLookup: Math.min(...(samples.get(lines) ?? []).slice(1)) }));
}
