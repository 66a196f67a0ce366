import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractFields } from '../src/extract/index.js';
import { renderMessage } from '../src/render/index.js';
import { formatIssue, parseWebhooksFile, type TemplateToken } from '../src/rules/index.js';

function renderLine(line: string, payload: unknown, missingValue = '-'): { message: string; missing: string[] } {
  const { rules, issues } = parseWebhooksFile(line, 'w.ini');
  assert.deepEqual(issues.map(formatIssue), []);
  const rule = rules[0];
  assert.ok(rule);
  const { message, missing } = renderMessage(rule.template, extractFields(payload, rule.fields), { missingValue });
  return { message, missing };
}

const cases: readonly { name: string; line: string; payload: unknown; message: string; missing?: string[] }[] = [
  {
    name: 'seed github line',
    line: 'github: action,pull_request{title,user{login}},repository{name}::GitHub $action$ on $repository.name$: "$pull_request.title$" by $pull_request.user.login$',
    payload: { action: 'opened', pull_request: { title: 'Fix it', user: { login: 'octocat' } }, repository: { name: 'hello' } },
    message: 'GitHub opened on hello: "Fix it" by octocat',
  },
  {
    name: 'seed stripe line (nested groups with several subfields)',
    line: 'stripe: type,data{object{amount,currency,status}}::Stripe $type$: Payment of $data.object.amount$ $data.object.currency$ status: $data.object.status$',
    payload: { type: 'payment_intent.succeeded', data: { object: { amount: 2000, currency: 'usd', status: 'succeeded' } } },
    message: 'Stripe payment_intent.succeeded: Payment of 2000 usd status: succeeded',
  },
  { name: 'numbers, booleans, zero and empty string', line: 't: n,z,b,e::$n$|$z$|$b$|$e$|', payload: { n: 1.5, z: 0, b: false, e: '' }, message: '1.5|0|false||' },
  { name: 'objects and arrays as compact JSON', line: 't: o,a::$o$ $a$', payload: { o: { x: 1, y: [1, 'a'] }, a: [1, 2] }, message: '{"x":1,"y":[1,"a"]} [1,2]' },
  { name: 'a group variable renders the extracted object', line: 't: pr{title}::$pr$', payload: { pr: { title: 'T', body: 'B' } }, message: '{"title":"T"}' },
  { name: 'array traversal joins with ", "', line: 't: commits{message}::$commits.message$', payload: { commits: [{ message: 'fix a' }, { message: 'fix b' }, { message: 'fix c' }] }, message: 'fix a, fix b, fix c' },
  { name: 'array traversal skips items without the field', line: 't: commits{message}::$commits.message$', payload: { commits: [{ message: 'a' }, {}, { message: null }, 'x', { message: 'b' }] }, message: 'a, b' },
  { name: 'nested array traversal flattens', line: 't: a{b{c}}::$a.b.c$', payload: { a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] }, message: '1, 2, 3' },
  { name: 'index picks one item', line: 't: commits{message}::$commits[1].message$', payload: { commits: [{ message: 'a' }, { message: 'b' }] }, message: 'b' },
  { name: 'out-of-range index is missing', line: 't: commits{message}::$commits[5].message$', payload: { commits: [{ message: 'a' }] }, message: '-', missing: ['commits[5].message'] },
  { name: 'empty array is missing', line: 't: commits{message}::[$commits.message$] [$commits$]', payload: { commits: [] }, message: '[-] [-]', missing: ['commits.message', 'commits'] },
  { name: 'null is missing', line: 't: a::$a$', payload: { a: null }, message: '-', missing: ['a'] },
  {
    name: 'missing values use missingValue and list their paths in order',
    line: 'github: action,pull_request{title,user{login}}::$action$ "$pull_request.title$" by $pull_request.user.login$',
    payload: { pull_request: { title: 'T' } },
    message: '<none> "T" by <none>',
    missing: ['action', 'pull_request.user.login'],
  },
  { name: 'JSON string decoded by extraction', line: 'aws: Message{AlarmName}::$Message.AlarmName$', payload: { Message: '{"AlarmName":"cpu"}' }, message: 'cpu' },
  { name: 'JSON string read below a leaf field', line: 'aws: Message::$Message.AlarmName$', payload: { Message: '{"AlarmName":"cpu"}' }, message: 'cpu' },
  { name: 'below a leaf field into a plain object', line: 'github: repository::$repository.owner.login$', payload: { repository: { owner: { login: 'o' } } }, message: 'o' },
  { name: 'literal $$ and special characters', line: 'stripe: amount::Paid $$$amount$ — 100% ; # = : "ok" 🚨', payload: { amount: 5 }, message: 'Paid $5 — 100% ; # = : "ok" 🚨' },
  { name: 'dashes in keys', line: 'aws: detail-type,detail{instance-id}::$detail-type$ $detail.instance-id$', payload: { 'detail-type': 'EC2', detail: { 'instance-id': 'i-1' } }, message: 'EC2 i-1' },
  { name: 'payload of the wrong shape renders all missing', line: 't: a,b{c}::$a$/$b.c$', payload: ['a'], message: '-/-', missing: ['a', 'b.c'] },
  { name: 'prototype lookalikes are never rendered', line: 't: toString,valueOf::$toString$ $valueOf$', payload: {}, message: '- -', missing: ['toString', 'valueOf'] },
];

for (const c of cases) {
  test(`renderMessage() - ${c.name}`, () => {
    const missingValue = c.message.includes('<none>') ? '<none>' : '-';
    const result = renderLine(c.line, c.payload, missingValue);
    assert.deepEqual(result, { message: c.message, missing: c.missing ?? [] });
  });
}

test('renderMessage() - works from hand-built tokens; negative indices are missing', () => {
  const template: TemplateToken[] = [
    { kind: 'text', text: 'first=' },
    { kind: 'var', path: ['list', 0], raw: 'list[0]' },
    { kind: 'text', text: ' last=' },
    { kind: 'var', path: ['list', -1], raw: 'list[-1]' },
  ];
  assert.deepEqual(renderMessage(template, { list: ['a', 'b'] }, { missingValue: '?' }), { message: 'first=a last=?', missing: ['list[-1]'], warnings: [] });
});

test('renderMessage() - never throws on hostile extracted values', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const template: TemplateToken[] = [{ kind: 'var', path: ['c'], raw: 'c' }, { kind: 'var', path: ['f'], raw: 'f' }, { kind: 'var', path: ['big'], raw: 'big' }];
  const result = renderMessage(template, { c: cyclic, f: () => 1, big: 10n }, { missingValue: '-' });
  assert.deepEqual(result, { message: '--10', missing: ['c', 'f'], warnings: [] });
});

test('renderMessage() - an empty template renders an empty message', () => {
  assert.deepEqual(renderMessage([], {}, { missingValue: '-' }), { message: '', missing: [], warnings: [] });
});
