/**
 * `node dist/bench/breaker-outage.js`: what the circuit breaker saves SL1 during an outage. 100 alerts, SL1
 * refusing connections for ~3 s, production defaults (50 concurrent, 3 attempts, 1 s equal-jitter backoff,
 * breaker 50 % / 5 / 10 s / 5 s), once with the breaker and once without. Prints the SL1 attempts during the
 * outage and what was delivered or dead-lettered; exits 1 when the breaker lets through more than those in
 * flight when it opened, the failures that opened it and one probe per half-open period, or loses an alert.
 * A measurement, so it lives here and not among the tests: its numbers depend on timing.
 */
import { createDispatcher } from '../src/deliver/dispatcher.js';
import type { BreakerState } from '../src/deliver/breaker.js';
import { makeTestAlert, startFakeSl1 } from '../test/support/fake-sl1.js';

const MAX_CONCURRENT = 50;
const VOLUME_THRESHOLD = 5;
const OUTAGE_MS = 3000;

interface OutageResult {
  readonly attemptsDuringOutage: number;
  readonly deadDuringOutage: number;
  readonly halfOpensDuringOutage: number;
  readonly delivered: number;
  readonly deadLettered: number;
}

async function measureOutage(isBreakerOn: boolean): Promise<OutageResult> {
  const fake = await startFakeSl1();
  await fake.refuse();
  const states: BreakerState[] = [];
  let attempts = 0;
  let delivered = 0;
  let deadLettered = 0;
  const dispatcher = createDispatcher(
    { url: fake.url, username: 'u', password: 'p', maxConcurrent: MAX_CONCURRENT, breaker: isBreakerOn ? { volumeThreshold: VOLUME_THRESHOLD } : false },
    {
      onBreakerState: (state) => void states.push(state),
      onAttempt: () => void (attempts += 1),
      onDelivered: () => void (delivered += 1),
      onDeadLetter: () => void (deadLettered += 1),
    },
  );
  try {
    for (let i = 0; i < 100; i++) dispatcher.offer(makeTestAlert());
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const during = { attemptsDuringOutage: attempts, deadDuringOutage: deadLettered, halfOpensDuringOutage: states.filter((s) => s === 'half_open').length };
    await fake.restore();
    await dispatcher.drain(20_000);
    return { ...during, delivered, deadLettered };
  } finally {
    await dispatcher.close();
    await fake.close();
  }
}

const on = await measureOutage(true);
const off = await measureOutage(false);
for (const [name, result] of [['on', on], ['off', off]] as const) {
  process.stdout.write(
    `breaker ${name}: ${result.attemptsDuringOutage} SL1 attempts during the ${OUTAGE_MS / 1000} s outage, ${result.deadDuringOutage} dead-lettered during it; ` +
      `afterwards ${result.delivered} delivered, ${result.deadLettered} dead-lettered in all\n`,
  );
}
const bound = MAX_CONCURRENT + VOLUME_THRESHOLD + on.halfOpensDuringOutage;
const problems = [
  ...(on.attemptsDuringOutage > bound ? [`breaker on: ${on.attemptsDuringOutage} attempts, at most ${bound} expected`] : []),
  ...(on.delivered !== 100 || on.deadLettered !== 0 ? [`breaker on: ${on.delivered} delivered and ${on.deadLettered} dead-lettered, 100 and 0 expected`] : []),
];
for (const problem of problems) process.stderr.write(`${problem}\n`);
process.exitCode = problems.length > 0 ? 1 : 0;
