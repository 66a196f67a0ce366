/** genhook_redis_*: what the shared queue costs and how it is doing, on the server's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RedisProbes {
  readonly isConnected: () => boolean;
  /** Alerts in the shared stream (all replicas), read at scrape time. */
  readonly pending: () => Promise<number>;
  /** Alerts this replica holds. */
  readonly held: () => number;
}

/**
 * Built before the shared queue (its observer counts into them); the gauges read `probes` at scrape time once
 * {@link attachProbes} hands them over (the backend they read does not exist before).
 */
export function createRedisMetrics(registry: Registry) {
  let probes: RedisProbes | undefined;
  const registers = [registry];
  const metrics = {
    commandSeconds: new Histogram({
      name: 'genhook_redis_command_duration_seconds',
      help: 'Time of one Redis round trip of the shared queue, by operation (offer, reserve, claim, touch, complete, dead_letter, ...)',
      labelNames: ['command'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    errors: new Counter({ name: 'genhook_redis_errors_total', help: 'Redis operations that failed (unreachable, timeout, error reply), by operation', labelNames: ['command'] as const, registers }),
    claimed: new Counter({ name: 'genhook_redis_claimed_total', help: 'Alerts this replica took over from a replica silent longer than redis_claim_idle', registers }),
    redelivered: new Counter({ name: 'genhook_redis_redelivered_total', help: 'Alerts handed to delivery that may have reached SL1 already (claimed, or recovered after a restart)', registers }),
    leaseWaits: new Counter({
      name: 'genhook_redis_lease_waits_total',
      help: 'Deliveries that waited for a <source>_max_concurrent lease because the source was at its limit across replicas',
      labelNames: ['source'] as const,
      registers,
    }),
    consumersRemoved: new Counter({
      name: 'genhook_redis_consumers_removed_total',
      help: 'Consumers of replicas gone for good (idle 10 x redis_claim_idle, holding nothing) this replica removed from the consumer group',
      registers,
    }),
    lost: new Counter({ name: 'genhook_redis_lost_claims_total', help: 'Alerts this replica held that another replica claimed while this one was unresponsive', registers }),
    connected: new Gauge({
      name: 'genhook_redis_connected',
      help: '1 while the Redis connection is up',
      // Across workers (workers = N): 0 when any worker has lost Redis.
      aggregator: 'min',
      registers,
      collect(this: Gauge) {
        this.set(probes?.isConnected() === true ? 1 : 0);
      },
    }),
    pending: new Gauge({
      name: 'genhook_redis_pending',
      help: 'Alerts in the shared Redis queue (waiting or being delivered, all replicas)',
      // Every worker reads the same stream: one value, not a sum.
      aggregator: 'max',
      registers,
      async collect(this: Gauge) {
        // A scrape while Redis is down must still answer: the last value stays.
        if (probes?.isConnected() === true) this.set(await probes.pending().catch(() => Number.NaN));
      },
    }),
    held: new Gauge({
      name: 'genhook_redis_held',
      help: 'Alerts of the shared queue this replica holds (waiting for a slot, in flight or waiting to retry)',
      registers,
      collect(this: Gauge) {
        this.set(probes?.held() ?? 0);
      },
    }),
  };
  metrics.errors.inc({ command: 'offer' }, 0);
  metrics.claimed.inc(0);
  metrics.redelivered.inc(0);
  metrics.lost.inc(0);
  metrics.consumersRemoved.inc(0);
  return {
    ...metrics,
    attachProbes(next: RedisProbes): void {
      probes = next;
    },
  };
}

export type RedisMetrics = ReturnType<typeof createRedisMetrics>;
