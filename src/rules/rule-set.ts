import { evaluateConditions } from './evaluate-conditions.js';
import type { Rule } from './types.js';

/** Outcome of {@link RuleSet.match}. */
export type RuleMatch =
  /** A rule applies: render it. */
  | { readonly kind: 'matched'; readonly rule: Rule }
  /** The most specific name has lines, but none of their conditions hold: drop the webhook on purpose. */
  | { readonly kind: 'filtered'; readonly rule: Rule; readonly reason: string }
  /** No line for this source at all. */
  | { readonly kind: 'none' };

/** Lines of one source, for `genhook check`. */
export interface SourceSummary {
  readonly source: string;
  readonly count: number;
  /** Names as written, with conditions (`github.pull_request[action=opened]`), in file order. */
  readonly names: readonly string[];
}

/**
 * The compiled webhooks.ini, indexed by lower-cased NAME so that each lookup step is one Map read,
 * whatever the number of lines.
 */
export class RuleSet {
  readonly rules: readonly Rule[];
  #byName = new Map<string, Rule[]>();
  #bySource = new Map<string, Rule[]>();

  constructor(rules: readonly Rule[]) {
    this.rules = Object.freeze([...rules]);
    for (const rule of rules) {
      const key = rule.event === undefined ? rule.source : `${rule.source}.${rule.event}`;
      pushTo(this.#byName, key, rule);
      pushTo(this.#bySource, rule.source, rule);
    }
  }

  /**
   * All lines of the most specific NAME that has any: the full event, then shorter dot-prefixes of it,
   * then the bare source (`pull_request.opened` → `github.pull_request.opened`, `github.pull_request`,
   * `github`). Several lines share a name only when they differ in conditions; file order is kept.
   */
  candidates(source: string, event: string | undefined): readonly Rule[] {
    const base = source.toLowerCase();
    let rest = event === undefined || event === '' ? undefined : event.toLowerCase();
    while (rest !== undefined) {
      const found = this.#byName.get(`${base}.${rest}`);
      if (found !== undefined) return found;
      const dot = rest.lastIndexOf('.');
      rest = dot === -1 ? undefined : rest.slice(0, dot);
    }
    return this.#byName.get(base) ?? [];
  }

  /** The most specific line for (source, event), ignoring conditions; see {@link RuleSet.match} to honour them. */
  lookup(source: string, event: string | undefined): Rule | undefined {
    return this.candidates(source, event)[0];
  }

  /**
   * The first line of the most specific name whose conditions hold for the raw payload item.
   * A name whose lines all fail their conditions filters the webhook out: it does not fall back
   * to a less specific name, or `github.pull_request[action=opened]` would let `github` forward the rest.
   */
  match(source: string, event: string | undefined, payload: unknown): RuleMatch {
    const candidates = this.candidates(source, event);
    const reasons: string[] = [];
    for (const rule of candidates) {
      const result = evaluateConditions(rule, payload);
      if (result.ok) return { kind: 'matched', rule };
      reasons.push(result.reason);
    }
    const first = candidates[0];
    return first === undefined ? { kind: 'none' } : { kind: 'filtered', rule: first, reason: reasons.join('; ') };
  }

  /** Source names with at least one line, lower case, sorted. */
  sources(): string[] {
    return [...this.#bySource.keys()].sort();
  }

  hasSource(source: string): boolean {
    return this.#bySource.has(source.toLowerCase());
  }

  summarize(): readonly SourceSummary[] {
    return this.sources().map((source) => {
      const rules = this.#bySource.get(source) ?? [];
      const names = rules.map((rule) => rule.conditions.length === 0 ? rule.name : `${rule.name}[${rule.conditions.map((c) => c.text).join(', ')}]`);
      return { source, count: rules.length, names };
    });
  }
}

function pushTo(map: Map<string, Rule[]>, key: string, rule: Rule): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [rule]);
  else list.push(rule);
}
