import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractFields } from '../src/extract/index.js';
import { collectPathValues } from '../src/payload/index.js';
import { formatIssue, parseWebhooksFile, type FieldNode } from '../src/rules/index.js';

function fieldsOf(list: string): readonly FieldNode[] {
  const { rules, issues } = parseWebhooksFile(`t: ${list}::x`, 'w.ini');
  assert.deepEqual(issues.map(formatIssue), []);
  assert.ok(rules[0]);
  return rules[0].fields;
}

/** Results have a null prototype; compare them as plain JSON data. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

const cases: readonly { name: string; fields: string; payload: unknown; expected: unknown }[] = [
  {
    name: 'keeps only listed fields, children recursively',
    fields: 'action,pull_request{title,user{login}},repository{name}',
    payload: { action: 'opened', number: 2, pull_request: { title: 'T', body: 'secret', user: { login: 'u', id: 1 } }, repository: { name: 'r', private: true } },
    expected: { action: 'opened', pull_request: { title: 'T', user: { login: 'u' } }, repository: { name: 'r' } },
  },
  {
    name: 'a leaf keeps its whole value',
    fields: 'repository',
    payload: { repository: { name: 'r', owner: { login: 'o' } } },
    expected: { repository: { name: 'r', owner: { login: 'o' } } },
  },
  {
    name: 'arrays with children are mapped item by item',
    fields: 'commits{message}',
    payload: { commits: [{ id: 1, message: 'a' }, { id: 2, message: 'b' }] },
    expected: { commits: [{ message: 'a' }, { message: 'b' }] },
  },
  {
    name: 'non-object array items become null (indices line up)',
    fields: 'items{name}',
    payload: { items: ['x', { name: 'n' }, null, 3] },
    expected: { items: [null, { name: 'n' }, null, null] },
  },
  {
    name: 'nested arrays',
    fields: 'a{b{c}}',
    payload: { a: [{ b: [{ c: 1, d: 2 }, { c: 3 }] }, { b: [] }] },
    expected: { a: [{ b: [{ c: 1 }, { c: 3 }] }, { b: [] }] },
  },
  {
    name: 'JSON in a string is decoded when the field lists children (SNS Message)',
    fields: 'Message{AlarmName,Trigger{MetricName}},Subject',
    payload: { Subject: 'ALARM', Message: '{"AlarmName":"cpu","NewStateValue":"ALARM","Trigger":{"MetricName":"CPUUtilization","Period":300}}' },
    expected: { Message: { AlarmName: 'cpu', Trigger: { MetricName: 'CPUUtilization' } }, Subject: 'ALARM' },
  },
  {
    name: 'a JSON array in a string is mapped too',
    fields: 'list{n}',
    payload: { list: ' [{"n":1,"m":2}]' },
    expected: { list: [{ n: 1 }] },
  },
  {
    name: 'a string that is not JSON, under a field with children, is left out',
    fields: 'Message{AlarmName},Subject',
    payload: { Message: 'Hello world!', Subject: 's' },
    expected: { Subject: 's' },
  },
  {
    name: 'invalid JSON that looks like JSON is left out',
    fields: 'Message{AlarmName}',
    payload: { Message: '{"AlarmName": ' },
    expected: {},
  },
  {
    name: 'without children a JSON string stays a string',
    fields: 'Message',
    payload: { Message: '{"a":1}' },
    expected: { Message: '{"a":1}' },
  },
  { name: 'missing keys are absent', fields: 'a,b{c},d{e}', payload: { d: {} }, expected: { d: {} } },
  { name: 'null with children is absent; null leaf is kept', fields: 'a{b},c', payload: { a: null, c: null }, expected: { c: null } },
  { name: 'scalars under a field with children are absent', fields: 'a{b},n{x}', payload: { a: 5, n: true }, expected: {} },
  { name: 'null payload', fields: 'a', payload: null, expected: {} },
  { name: 'undefined payload', fields: 'a', payload: undefined, expected: {} },
  { name: 'number payload', fields: 'a', payload: 42, expected: {} },
  { name: 'string payload', fields: 'a', payload: '{"a":1}', expected: {} },
  { name: 'array payload', fields: 'a', payload: [{ a: 1 }], expected: {} },
  { name: 'keys with dashes and spaces', fields: 'detail-type,detail{instance-id,Instance ID}', payload: { 'detail-type': 'x', detail: { 'instance-id': 'i-1', 'Instance ID': 'j' } }, expected: { 'detail-type': 'x', detail: { 'instance-id': 'i-1', 'Instance ID': 'j' } } },
  { name: 'inherited properties are not read', fields: 'toString,hasOwnProperty,valueOf', payload: {}, expected: {} },
];

for (const c of cases) {
  test(`extractFields() - ${c.name}`, () => {
    const result = extractFields(c.payload, fieldsOf(c.fields));
    assert.deepEqual(plain(result), c.expected);
    assert.equal(Object.getPrototypeOf(result), null);
  });
}

test('extractFields() - prototype keys in the payload neither pollute nor leak', () => {
  const payload = JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"__proto__":{"polluted":"yes"},"b":1},"constructor":{"prototype":{"polluted":"yes"}}}') as unknown;
  const result = extractFields(payload, fieldsOf('a{b}'));
  assert.deepEqual(plain(result), { a: { b: 1 } });
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(result['a']), null);
});

test('extractFields() - hand-built forbidden field names are ignored, never read', () => {
  const payload = JSON.parse('{"__proto__":{"x":1},"constructor":"c","prototype":"p","ok":1}') as unknown;
  const fields: FieldNode[] = ['__proto__', 'constructor', 'prototype', 'ok'].map((name) => ({ name, children: [] }));
  assert.deepEqual(plain(extractFields(payload, fields)), { ok: 1 });
});

test('extractFields() - non-enumerable and getter-free: only own enumerable data', () => {
  const payload = Object.create({ inherited: 1 }) as Record<string, unknown>;
  Object.defineProperty(payload, 'hidden', { value: 2, enumerable: false });
  payload['shown'] = 3;
  assert.deepEqual(plain(extractFields(payload, fieldsOf('inherited,hidden,shown'))), { shown: 3 });
});

test('extractFields() - leaves the payload untouched', () => {
  const payload = { a: { b: 1, c: 2 }, s: '{"x":1}' };
  const before = JSON.stringify(payload);
  extractFields(payload, fieldsOf('a{b},s{x}'));
  assert.equal(JSON.stringify(payload), before);
});

test('extractFields() - very deep payloads and fields do not throw', () => {
  let payload: Record<string, unknown> = { v: 1 };
  for (let i = 0; i < 1000; i++) payload = { n: payload };
  const list = `${'n{'.repeat(50)}v${'}'.repeat(50)}`;
  assert.doesNotThrow(() => extractFields(payload, fieldsOf(list)));
});

test('collectPathValues() - maps arrays, picks indices, decodes JSON strings, never throws', () => {
  const data = { a: [{ b: 1 }, { b: 2 }, { c: 3 }], s: '{"k":[10,20]}', n: null };
  assert.deepEqual(collectPathValues(data, ['a', 'b']), [1, 2]);
  assert.deepEqual(collectPathValues(data, ['a', 1, 'b']), [2]);
  assert.deepEqual(collectPathValues(data, ['a', 5, 'b']), []);
  assert.deepEqual(collectPathValues(data, ['a', -1]), []);
  assert.deepEqual(collectPathValues(data, ['s', 'k', 1]), [20]);
  assert.deepEqual(collectPathValues(data, ['n']), [null]);
  assert.deepEqual(collectPathValues(data, ['n', 'x']), []);
  assert.deepEqual(collectPathValues(data, ['__proto__']), []);
  assert.deepEqual(collectPathValues(42, ['a']), []);
});
