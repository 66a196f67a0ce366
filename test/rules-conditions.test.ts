import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateConditions, formatIssue, parseWebhooksFile, type Rule } from '../src/rules/index.js';

function ruleWith(conditions: string): Rule {
  const { rules, issues } = parseWebhooksFile(`github[${conditions}]: action::x`, 'w.ini');
  assert.deepEqual(issues.map(formatIssue), []);
  const rule = rules[0];
  assert.ok(rule);
  return rule;
}

const cases: readonly { name: string; conditions: string; payload: unknown; ok: boolean; reason?: string }[] = [
  { name: '= one of several', conditions: 'action=opened|closed', payload: { action: 'closed' }, ok: true },
  { name: '= not met names the value', conditions: 'action=opened|closed', payload: { action: 'edited' }, ok: false, reason: 'condition action=opened|closed not met (action is "edited")' },
  { name: '= on a missing value', conditions: 'action=opened', payload: {}, ok: false, reason: 'condition action=opened not met (action is missing)' },
  { name: '= compares numbers and booleans as text', conditions: 'pull_request.merged=true, number=42', payload: { number: 42, pull_request: { merged: true } }, ok: true },
  { name: '= is case-sensitive', conditions: 'action=Opened', payload: { action: 'opened' }, ok: false },
  { name: '= trims spaces around values', conditions: ' action = opened | closed ', payload: { action: 'opened' }, ok: true },
  { name: '!= holds for other values', conditions: 'sender.type!=Bot', payload: { sender: { type: 'User' } }, ok: true },
  { name: '!= holds when missing', conditions: 'sender.type!=Bot', payload: {}, ok: true },
  { name: '!= fails on a listed value', conditions: 'sender.type!=Bot|Organization', payload: { sender: { type: 'Bot' } }, ok: false, reason: 'condition sender.type!=Bot|Organization not met (sender.type is "Bot")' },
  { name: 'all conditions must hold (first failing one is reported)', conditions: 'action=opened, number>10', payload: { action: 'opened', number: 3 }, ok: false, reason: 'condition number>10 not met (number is 3)' },
  { name: '>= numeric', conditions: 'severity>=5', payload: { severity: 5 }, ok: true },
  { name: '> numeric from a numeric string', conditions: 'severity>4.5', payload: { severity: '5' }, ok: true },
  { name: '< numeric negative', conditions: 'delta<-1', payload: { delta: -2 }, ok: true },
  { name: '<= numeric not met', conditions: 'count<=3', payload: { count: 4 }, ok: false },
  { name: '>= severity words, case-insensitive', conditions: 'alertLevel>=warning', payload: { alertLevel: 'CRITICAL' }, ok: true },
  { name: '>= severity words not met', conditions: 'alertLevel>=Warning', payload: { alertLevel: 'info' }, ok: false, reason: 'condition alertLevel>=Warning not met (alertLevel is "info")' },
  { name: '< severity words', conditions: 'level<major', payload: { level: 'minor' }, ok: true },
  { name: 'number vs severity never matches', conditions: 'level>=warning', payload: { level: 7 }, ok: false },
  { name: 'unknown word never matches', conditions: 'level>=warning', payload: { level: 'informational' }, ok: false },
  { name: 'object value never matches ordering', conditions: 'level>1', payload: { level: { a: 1 } }, ok: false, reason: 'condition level>1 not met (level is an object)' },
  { name: 'path with an index', conditions: 'commits[0].author.name=octocat', payload: { commits: [{ author: { name: 'octocat' } }] }, ok: true },
  { name: 'path into a JSON string (SNS Message)', conditions: 'Message.NewStateValue=ALARM', payload: { Message: '{"NewStateValue":"ALARM"}' }, ok: true },
  { name: 'path through an array gives a list', conditions: 'labels.name=bug', payload: { labels: [{ name: 'bug' }, { name: 'ui' }] }, ok: false, reason: 'condition labels.name=bug not met (labels.name is a list of 2)' },
  { name: 'long values are truncated in the reason', conditions: 'action=x', payload: { action: 'y'.repeat(200) }, ok: false, reason: `condition action=x not met (action is "${'y'.repeat(39)}…")` },
  { name: 'prototype keys are never read', conditions: 'toString=x', payload: {}, ok: false, reason: 'condition toString=x not met (toString is missing)' },
  { name: 'payload that is not an object', conditions: 'action!=opened', payload: 'opened', ok: true },
  { name: 'null payload', conditions: 'action=opened', payload: null, ok: false },
];

for (const c of cases) {
  test(`evaluateConditions() - ${c.name}`, () => {
    const result = evaluateConditions(ruleWith(c.conditions), c.payload);
    assert.equal(result.ok, c.ok, JSON.stringify(result));
    if (c.reason !== undefined && !result.ok) assert.equal(result.reason, c.reason);
  });
}

test('evaluateConditions() - a rule without conditions always holds', () => {
  const { rules } = parseWebhooksFile('github: action::x', 'w.ini');
  assert.ok(rules[0]);
  assert.deepEqual(evaluateConditions(rules[0], undefined), { ok: true });
});

test('parse conditions - bounds are classified once at load', () => {
  const rule = ruleWith('a>=10, b<critical, c=x|y');
  assert.deepEqual(rule.conditions.map((condition) => condition.bound), [
    { kind: 'number', value: 10 },
    { kind: 'severity', rank: 10, word: 'critical' },
    undefined,
  ]);
});
