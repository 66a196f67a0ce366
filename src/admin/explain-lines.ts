/**
 * For the playground: why each line of a source did or did not render a payload, in the same order of
 * decisions as RuleSet.match (most specific NAME first, then conditions in file order).
 */
import { evaluateConditions, type RuleSet, type Rule } from '../rules/index.js';
import { displayName } from './edit-webhooks.js';
import type { LineExplanation, LineVerdict } from './views.js';

export type { LineExplanation, LineVerdict } from './views.js';

export function explainLines(rules: RuleSet, source: string, event: string | undefined, payload: unknown, proposedFile?: string): LineExplanation[] {
  const lineOf = (rule: Rule): number => (rule.file === proposedFile ? 0 : rule.line);
  const candidates = rules.candidates(source, event);
  let matched: Rule | undefined;
  const verdicts = new Map<Rule, { verdict: LineVerdict; reason: string }>();
  for (const rule of candidates) {
    if (matched) {
      verdicts.set(rule, { verdict: 'shadowed', reason: `an earlier line with the same NAME (${displayName(matched)}) matched first` });
      continue;
    }
    const result = evaluateConditions(rule, payload);
    if (result.ok) {
      matched = rule;
      verdicts.set(rule, { verdict: 'matched', reason: rule.conditions.length === 0 ? 'most specific NAME for this event' : 'most specific NAME, and its conditions hold' });
    } else {
      verdicts.set(rule, { verdict: 'conditions_failed', reason: result.reason });
    }
  }
  const winnerName = candidates[0] === undefined ? undefined : displayName(candidates[0]);
  const eventText = event === undefined || event === '' ? undefined : event.toLowerCase();
  return rules.rules
    .filter((rule) => rule.source === source)
    .map((rule) => {
      const known = verdicts.get(rule);
      if (known) return { name: displayName(rule), line: lineOf(rule), ...known };
      const applies = rule.event === undefined || (eventText !== undefined && (eventText === rule.event || eventText.startsWith(`${rule.event}.`)));
      if (applies) {
        return { name: displayName(rule), line: lineOf(rule), verdict: 'less_specific' as const, reason: `a more specific NAME (${winnerName ?? '?'}) is used for this event` };
      }
      const has = eventText === undefined ? 'the payload names no event' : `the payload's event is ${eventText}`;
      return { name: displayName(rule), line: lineOf(rule), verdict: 'other_event' as const, reason: `this line is for event ${rule.event}; ${has}` };
    });
}
