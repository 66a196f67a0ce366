import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admitCall, INITIAL_BREAKER_STATUS, nextBreakerStatus, type BreakerEvent, type BreakerRules, type BreakerStatus,
} from '../src/deliver/breaker-policy.js';

const RULES: BreakerRules = { errorThresholdPercentage: 50, volumeThreshold: 4, rollingWindowMs: 10_000, resetTimeoutMs: 5000 };
const T = 1_000_000;
const fail = (now = T, period = 0): BreakerEvent => ({ type: 'settled', period, isFailure: true, now });
const ok = (now = T, period = 0): BreakerEvent => ({ type: 'settled', period, isFailure: false, now });
const run = (events: readonly BreakerEvent[], from: BreakerStatus = INITIAL_BREAKER_STATUS, rules = RULES) =>
  events.reduce((status, event) => nextBreakerStatus(status, event, rules), from);
const open: BreakerStatus = { state: 'open', period: 1, window: [], isProbing: false };
const halfOpen: BreakerStatus = { state: 'half_open', period: 2, window: [], isProbing: false };

test('nextBreakerStatus() - every transition', () => {
  const cases: { name: string; from?: BreakerStatus; events: BreakerEvent[]; state: BreakerStatus['state']; period?: number; isProbing?: boolean }[] = [
    { name: 'below volumeThreshold: stays closed however many fail', events: [fail(), fail(), fail()], state: 'closed' },
    { name: 'the failure that reaches volumeThreshold above the percentage opens', events: [fail(), fail(), fail(), fail()], state: 'open', period: 1 },
    { name: 'exactly at the percentage: stays closed (opens only above it)', events: [ok(), ok(), fail(), fail()], state: 'closed' },
    { name: 'a success never opens, whatever the rate', events: [fail(), fail(), fail(), ok()], state: 'closed' },
    { name: 'one more failure past 50 % opens', events: [fail(), fail(), fail(), ok(), fail()], state: 'open' },
    {
      name: 'outcomes older than the window leave it: old failures do not count',
      events: [fail(T), fail(T), fail(T), fail(T + 10_500)], state: 'closed',
    },
    { name: 'a 4xx (not a failure) counts as a call that went well', events: [ok(), ok(), ok(), ok(), fail(), fail()], state: 'closed' },
    { name: 'an outcome from a call started before the open is ignored', from: open, events: [fail(T, 0), ok(T, 0)], state: 'open', period: 1 },
    { name: 'open: the reset timeout lets one probe go', from: open, events: [{ type: 'reset_timeout', period: 1 }], state: 'half_open', period: 2, isProbing: false },
    { name: 'a reset timer of an earlier open does nothing', from: open, events: [{ type: 'reset_timeout', period: 0 }], state: 'open', period: 1 },
    { name: 'half-open: the probe starts', from: halfOpen, events: [{ type: 'probe_started' }], state: 'half_open', isProbing: true },
    { name: 'the probe succeeds: closed, with a clean window', from: halfOpen, events: [{ type: 'probe_started' }, ok(T, 2)], state: 'closed', period: 3 },
    { name: 'the probe fails: open again', from: halfOpen, events: [{ type: 'probe_started' }, fail(T, 2)], state: 'open', period: 3 },
    { name: 'a late call from the closed period does not decide for the probe', from: halfOpen, events: [{ type: 'probe_started' }, fail(T, 0)], state: 'half_open', isProbing: true },
    { name: 'probe_started when not half-open changes nothing', events: [{ type: 'probe_started' }], state: 'closed', isProbing: false },
  ];
  for (const c of cases) {
    const status = run(c.events, c.from);
    assert.equal(status.state, c.state, c.name);
    if (c.period !== undefined) assert.equal(status.period, c.period, `${c.name}: period`);
    if (c.isProbing !== undefined) assert.equal(status.isProbing, c.isProbing, `${c.name}: isProbing`);
  }
});

test('nextBreakerStatus() - after a close, one failure does not reopen it', () => {
  const outage = run([fail(), fail(), fail(), fail()]);
  const closed = run([{ type: 'reset_timeout', period: 1 }, { type: 'probe_started' }, ok(T + 6000, 2)], outage);
  assert.equal(closed.state, 'closed');
  assert.deepEqual(closed.window, []);
  assert.equal(run([fail(T + 6001, 3)], closed).state, 'closed');
});

test('admitCall() - who may start', () => {
  assert.equal(admitCall(INITIAL_BREAKER_STATUS), 'closed');
  assert.equal(admitCall(open), 'reject');
  assert.equal(admitCall(halfOpen), 'probe');
  assert.equal(admitCall({ ...halfOpen, isProbing: true }), 'reject', 'one probe at a time');
});
