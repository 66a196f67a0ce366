/** `genhook test [--update] [dir]`: prints one line per fixture and a summary; exit 1 on any difference. */
import { readFile } from 'node:fs/promises';
import { EXIT } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import type { RuntimeConfig } from '../config/runtime.js';
import { listFixtures } from './fixtures.js';
import { withoutAdmission } from '../intake/index.js';
import { diffBodies, formatExpected, runFixture } from './golden-test.js';

export interface GoldenOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export async function goldenTestCommand(config: RuntimeConfig, dir: string, isUpdate: boolean, output: GoldenOutput): Promise<number> {
  let listed: Awaited<ReturnType<typeof listFixtures>>;
  try {
    listed = await listFixtures(dir);
  } catch (error) {
    output.err(`genhook test: cannot read ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message}\n`);
    return EXIT.usage;
  }
  for (const problem of listed.problems) output.err(`warning: ${problem}\n`);
  if (listed.fixtures.length === 0) {
    output.err(`genhook test: no fixtures in ${dir} (expected ${dir}/<source>/<name>.json)\n`);
    return EXIT.failed;
  }
  const testConfig = withoutAdmission(config);
  const counts = { passed: 0, failed: 0, updated: 0 };
  for (const fixture of listed.fixtures) {
    const id = `${fixture.source}/${fixture.name}`;
    const run = runFixture(testConfig, fixture);
    if (run.error !== undefined) {
      counts.failed++;
      output.out(`FAIL ${id}: ${run.error}\n`);
      continue;
    }
    const details = [...run.notes, ...run.holes.map((hole) => `hole: ${hole}`)];
    const detailText = details.map((line) => `     ${line}\n`).join('');
    if (isUpdate) {
      const text = formatExpected(run.bodies);
      const previous = await readFile(fixture.expectedFile, 'utf8').catch(() => undefined);
      if (previous !== text) {
        await writeFileAtomic(fixture.expectedFile, text);
        counts.updated++;
        output.out(`wrote ${id}.expected.json (${run.bodies.length} SL1 request${run.bodies.length === 1 ? '' : 's'})\n${detailText}`);
      } else {
        counts.passed++;
      }
      continue;
    }
    let expected: unknown;
    try {
      expected = JSON.parse(await readFile(fixture.expectedFile, 'utf8'));
    } catch (error) {
      counts.failed++;
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no expected file; run genhook test --update to write it, then review it' : `${fixture.expectedFile}: ${(error as Error).message}`;
      output.out(`FAIL ${id}: ${reason}\n`);
      continue;
    }
    const diff = diffBodies(expected, run.bodies);
    if (diff.length === 0) {
      counts.passed++;
      output.out(`ok   ${id}\n${detailText}`);
    } else {
      counts.failed++;
      output.out(`FAIL ${id} (- ${fixture.source}/${fixture.name}.expected.json, + rendered now)\n${diff.map((line) => `     ${line}\n`).join('')}${detailText}`);
    }
  }
  const total = listed.fixtures.length;
  output.out(
    isUpdate
      ? `${total} fixtures: ${counts.updated} expected file${counts.updated === 1 ? '' : 's'} written, ${counts.passed} unchanged${counts.failed > 0 ? `, ${counts.failed} failed` : ''}\n`
      : `${total} fixtures: ${counts.passed} passed, ${counts.failed} failed\n`,
  );
  return counts.failed > 0 ? EXIT.failed : EXIT.ok;
}
