/**
 * `genhook test`: every fixture goes through the same pure intake the server runs (identify, split, event,
 * line, conditions, extract, render, SL1 fields) and the SL1 request bodies it would send are compared with
 * the fixture's `.expected.json`. Fixtures are not signed, so signatures, address allowlists and rate limits
 * are left out; everything else is the configuration as loaded.
 */
import type { RuntimeConfig } from '../config/runtime.js';
import { buildAlertBody } from '../deliver/sl1-client.js';
import { decideIntake } from '../intake/index.js';
import type { Fixture } from './fixtures.js';

/** What one fixture produced. */
export interface GoldenRun {
  /** SL1 request bodies, in order; empty when the fixture is a handshake or is ignored. */
  readonly bodies: readonly Record<string, string>[];
  /** Why items were skipped, or why the request was refused (then `error` is set). */
  readonly notes: readonly string[];
  readonly holes: readonly string[];
  readonly error?: string;
}

// Any fixed instant: nothing in a body may depend on the clock, and a fixed one makes that visible.
const FIXED_NOW_MS = Date.UTC(2026, 0, 1);
const neverSeen = { has: (): boolean => false };


export function runFixture(config: RuntimeConfig, fixture: Fixture): GoldenRun {
  const sourceParam = config.sources.has(fixture.source) ? fixture.source : undefined;
  const decision = decideIntake(
    { method: 'POST', sourceParam, headers: fixture.headers, rawBody: fixture.rawBody, remoteAddress: '127.0.0.1', requestId: `test-${fixture.name}` },
    { config, dedup: neverSeen, nowMs: FIXED_NOW_MS },
  );
  if (decision.kind === 'reject') return { bodies: [], notes: [], holes: [], error: `refused ${decision.status} ${decision.code}: ${decision.message}` };
  if (decision.kind === 'handshake') return { bodies: [], notes: ['answered as a handshake (no alert)'], holes: [] };
  // Only signature checking fetches certificates, and fixtures are not checked; kept for completeness.
  if (decision.kind === 'certificate_needed') return { bodies: [], notes: [], holes: [], error: `needs the signing certificate ${decision.url}` };
  return {
    bodies: decision.alerts.map((planned) => buildAlertBody(planned.alert)),
    notes: decision.skipped.map((item) => `skipped: ${item.reason}`),
    holes: decision.alerts.flatMap((planned) => planned.missing.map((path) => `${planned.ruleName}: ${path}`)),
  };
}

/** Lines saying how `actual` differs from `expected`, field by field; empty when they are equal. */
export function diffBodies(expected: unknown, actual: readonly Record<string, string>[]): string[] {
  if (!Array.isArray(expected)) return ['expected file does not hold a JSON array of SL1 request bodies'];
  const lines: string[] = [];
  if (expected.length !== actual.length) lines.push(`expected ${expected.length} SL1 request${expected.length === 1 ? '' : 's'}, got ${actual.length}`);
  const count = Math.max(expected.length, actual.length);
  for (let index = 0; index < count; index++) {
    const want = expected[index] as Record<string, unknown> | undefined;
    const got = actual[index];
    const label = count === 1 ? '' : `request ${index + 1} `;
    if (want === undefined) {
      lines.push(`${label}unexpected: + ${JSON.stringify(got)}`);
      continue;
    }
    if (got === undefined) {
      lines.push(`${label}missing:    - ${JSON.stringify(want)}`);
      continue;
    }
    const keys = [...new Set([...Object.keys(want), ...Object.keys(got)])];
    for (const key of keys) {
      const wantValue = want[key];
      const gotValue = got[key];
      if (JSON.stringify(wantValue) === JSON.stringify(gotValue)) continue;
      lines.push(`${label}${key}:`);
      lines.push(`  - ${wantValue === undefined ? '(absent)' : JSON.stringify(wantValue)}`);
      lines.push(`  + ${gotValue === undefined ? '(absent)' : JSON.stringify(gotValue)}`);
    }
  }
  return lines;
}

/** How an expected file is written: stable, reviewable JSON. */
export function formatExpected(bodies: readonly Record<string, string>[]): string {
  return `${JSON.stringify(bodies, null, 2)}\n`;
}
