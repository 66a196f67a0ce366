import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, type BackoffOptions } from '../src/deliver/backoff.js';
import { classifyError, classifyResponse, parseRetryAfter, pickEm7Headers } from '../src/deliver/classify.js';
import { buildAlertBody, SL1_DEFAULT_BODY } from '../src/deliver/sl1-client.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

test('classifyResponse() - status table', () => {
  const cases: { name: string; status: number; headers?: Record<string, string>; kind: string; isAuth?: boolean; retryAfterMs?: number }[] = [
    { name: '200', status: 200, kind: 'delivered' },
    { name: '201 (what SL1 answers)', status: 201, kind: 'delivered' },
    { name: '202', status: 202, kind: 'delivered' },
    { name: '302 is reported, not followed', status: 302, headers: { location: 'https://sl1/login' }, kind: 'permanent', isAuth: false },
    { name: '400', status: 400, kind: 'permanent', isAuth: false },
    { name: '401 never retried', status: 401, kind: 'permanent', isAuth: true },
    { name: '403 never retried', status: 403, kind: 'permanent', isAuth: true },
    { name: '404', status: 404, kind: 'permanent', isAuth: false },
    { name: '422', status: 422, kind: 'permanent', isAuth: false },
    { name: '418, any other 4xx', status: 418, kind: 'permanent', isAuth: false },
    { name: '408', status: 408, kind: 'retryable' },
    { name: '425', status: 425, kind: 'retryable' },
    { name: '429 without Retry-After', status: 429, kind: 'retryable' },
    { name: '429 with Retry-After seconds', status: 429, headers: { 'retry-after': '7' }, kind: 'retryable', retryAfterMs: 7000 },
    { name: '429 with Retry-After date', status: 429, headers: { 'retry-after': new Date(NOW + 3000).toUTCString() }, kind: 'retryable', retryAfterMs: 3000 },
    { name: '429 Retry-After capped', status: 429, headers: { 'retry-after': '86400' }, kind: 'retryable', retryAfterMs: 60_000 },
    { name: '500', status: 500, kind: 'retryable' },
    { name: '502', status: 502, kind: 'retryable' },
    { name: '503 with Retry-After', status: 503, headers: { 'retry-after': '2' }, kind: 'retryable', retryAfterMs: 2000 },
    { name: '504', status: 504, kind: 'retryable' },
  ];
  for (const c of cases) {
    const outcome = classifyResponse(c.status, c.headers ?? {}, { now: NOW });
    assert.equal(outcome.kind, c.kind, c.name);
    if (outcome.kind === 'permanent') assert.equal(outcome.isAuth, c.isAuth, c.name);
    if (outcome.kind === 'retryable') assert.equal(outcome.retryAfterMs, c.retryAfterMs, c.name);
  }
});

test('classifyResponse() - 401/403 reason names the settings and SL1 detail', () => {
  const outcome = classifyResponse(403, { 'x-em7-status-message': 'Authentication failed due to lock' });
  assert.equal(outcome.kind, 'permanent');
  assert.match(outcome.kind === 'permanent' ? outcome.reason : '', /sl1_username and sl1_password/);
  assert.match(outcome.kind === 'permanent' ? outcome.reason : '', /due to lock/);
});

test('classifyError() - network failures retry, our own bad request does not', () => {
  const cases: { name: string; err: unknown; kind: string; reason?: RegExp }[] = [
    { name: 'ECONNREFUSED', err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), kind: 'retryable', reason: /ECONNREFUSED/ },
    { name: 'ECONNRESET', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), kind: 'retryable' },
    { name: 'undici socket', err: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), kind: 'retryable' },
    { name: 'headers timeout', err: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), kind: 'retryable', reason: /timeout/ },
    { name: 'AbortSignal.timeout', err: new DOMException('The operation was aborted due to timeout', 'TimeoutError'), kind: 'retryable', reason: /timeout/ },
    { name: 'DNS', err: Object.assign(new Error('getaddrinfo ENOTFOUND sl1'), { code: 'ENOTFOUND' }), kind: 'retryable' },
    { name: 'not an Error', err: 'boom', kind: 'retryable' },
    { name: 'invalid argument', err: Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }), kind: 'permanent' },
  ];
  for (const c of cases) {
    const outcome = classifyError(c.err);
    assert.equal(outcome.kind, c.kind, c.name);
    if (c.reason !== undefined && outcome.kind !== 'delivered') assert.match(outcome.reason, c.reason, c.name);
  }
});

test('parseRetryAfter() - seconds, dates, garbage, past dates', () => {
  const cases: { value: string | undefined; expected: number | undefined }[] = [
    { value: undefined, expected: undefined },
    { value: '0', expected: 0 },
    { value: ' 12 ', expected: 12_000 },
    { value: 'soon', expected: undefined },
    { value: '-5', expected: undefined },
    { value: new Date(NOW - 10_000).toUTCString(), expected: 0 },
    { value: new Date(NOW + 90_000).toUTCString(), expected: 60_000 },
  ];
  for (const c of cases) assert.equal(parseRetryAfter(c.value, { now: NOW }), c.expected, String(c.value));
});

test('pickEm7Headers() - only x-em7-*, lower case', () => {
  assert.deepEqual(pickEm7Headers({ 'X-EM7-status-message': 'locked', 'content-type': 'x', 'x-em7-info': ['a', 'b'] }), {
    'x-em7-status-message': 'locked',
    'x-em7-info': 'a, b',
  });
});

test('backoffDelay() - exponential with jitter from the injected random', () => {
  const cases: { name: string; attempt: number; options: BackoffOptions; expected: number }[] = [
    { name: 'none, first', attempt: 1, options: { baseMs: 100, maxMs: 10_000, jitter: 'none' }, expected: 100 },
    { name: 'none, third', attempt: 3, options: { baseMs: 100, maxMs: 10_000, jitter: 'none' }, expected: 400 },
    { name: 'none, capped', attempt: 30, options: { baseMs: 100, maxMs: 1000, jitter: 'none' }, expected: 1000 },
    { name: 'none, huge attempt', attempt: 5000, options: { baseMs: 100, maxMs: 1000, jitter: 'none' }, expected: 1000 },
    { name: 'full, random 0', attempt: 3, options: { baseMs: 100, jitter: 'full', random: () => 0 }, expected: 0 },
    { name: 'full, random 0.5', attempt: 3, options: { baseMs: 100, jitter: 'full', random: () => 0.5 }, expected: 200 },
    { name: 'equal, random 0', attempt: 3, options: { baseMs: 100, jitter: 'equal', random: () => 0 }, expected: 200 },
    { name: 'equal, random ~1', attempt: 3, options: { baseMs: 100, jitter: 'equal', random: () => 0.999999 }, expected: 400 },
    { name: 'defaults: 1000 base, equal', attempt: 1, options: { random: () => 0 }, expected: 500 },
  ];
  for (const c of cases) assert.equal(backoffDelay(c.attempt, c.options), c.expected, c.name);
});

test('buildAlertBody() - documented defaults, source fields override, message is the rendered one', () => {
  assert.deepEqual(buildAlertBody({ message: 'hello', fields: {} }), { ...SL1_DEFAULT_BODY, message: 'hello' });
  const body = buildAlertBody({ message: 'm', fields: { aligned_resource: '/api/device/2', custom_key: 'x', message: 'not me' } });
  assert.equal(body.aligned_resource, '/api/device/2');
  assert.equal(body.custom_key, 'x');
  assert.equal(body.message, 'm');
  assert.equal(body.force_yname, '');
  for (const value of Object.values(body)) assert.equal(typeof value, 'string');
});
