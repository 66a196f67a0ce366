/** callgrind_control and callgrind's dump files, for the instruction-count tools (instructions.ts, deliver-instructions.ts). */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function callgrindControl(args: readonly string[]): void {
  const result = spawnSync('callgrind_control', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

/** Total instructions (Ir) of the newest numbered callgrind dump in `dir`. */
export function lastDumpTotal(dir: string): number {
  const numbered = readdirSync(dir)
    .map((name) => ({ name, part: Number(/^callgrind\.out\.\d+\.(\d+)$/.exec(name)?.[1] ?? Number.NaN) }))
    .filter(({ part }) => Number.isFinite(part))
    .sort((a, b) => a.part - b.part);
  const newest = numbered.at(-1);
  if (newest === undefined) throw new Error(`no callgrind dump in ${dir}`);
  const text = readFileSync(join(dir, newest.name), 'utf8');
  const match = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  if (match?.[1] === undefined) throw new Error(`no totals line in ${newest.name}`);
  return Number(match[1]);
}
