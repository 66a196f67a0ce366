/** What on-call checks first: SL1 mode, breaker, delivery pause, queue, journal, dead letters, the last reload. */
import { useEffect, useState } from 'preact/hooks';
import { api, type ConfigIssue } from '../api';
import { Badge, ErrorNote, PageHeading, Time } from '../components';

interface Status {
  readonly mode: 'sl1' | 'log';
  readonly draining: boolean;
  readonly uptimeSeconds: number;
  readonly breaker: { readonly state: 'closed' | 'half_open' | 'open' };
  readonly delivery: { readonly paused: boolean; readonly reason?: string; readonly until?: string };
  readonly sl1Auth?: { readonly paused: boolean; readonly reason?: string; readonly until?: string | null } | null;
  readonly queue: { readonly waiting: number; readonly inFlight: number; readonly capacity: number; readonly hasRoom: boolean };
  readonly journal: { readonly writable: boolean; readonly pending: number; readonly mode: string; readonly fileBytes: number };
  readonly deadLetters: { readonly file: string; readonly count: number };
  readonly config: { readonly settings: string; readonly webhooks: string; readonly sources: readonly string[] };
  readonly lastReload: { readonly at: string; readonly trigger: string; readonly ok: boolean; readonly issues: readonly ConfigIssue[] };
}

const BREAKER_TONE = { closed: 'ok', half_open: 'warn', open: 'bad' } as const;

function uptime(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

export function Health() {
  const [status, setStatus] = useState<Status | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const load = async (): Promise<void> => {
    try {
      setStatus(await api<Status>('GET', '/status'));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, 5000);
    return () => clearInterval(timer);
  }, []);

  const auth = status?.sl1Auth;
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Health">
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </PageHeading>
      <ErrorNote error={error} />
      {status && (
        <>
          <div class="grid">
            <article class="card" aria-labelledby="h-sl1">
              <h3 id="h-sl1">Delivery</h3>
              <dl class="facts">
                <dt>Mode</dt>
                <dd>{status.mode === 'sl1' ? <Badge tone="ok">sending to SL1</Badge> : <Badge tone="warn">log mode (sl1_api_url unset)</Badge>}</dd>
                <dt>Circuit breaker</dt>
                <dd>
                  <Badge tone={BREAKER_TONE[status.breaker.state]}>{status.breaker.state.replace('_', ' ')}</Badge>
                </dd>
                <dt>{auth === undefined || auth === null ? 'Delivery paused' : 'SL1 auth pause'}</dt>
                <dd>
                  {auth === undefined || auth === null ? (
                    <Badge tone={status.delivery.paused ? 'bad' : 'ok'}>{status.delivery.paused ? 'paused' : 'no'}</Badge>
                  ) : (
                    <>
                      <Badge tone={auth.paused ? 'bad' : 'ok'}>{auth.paused ? 'paused: SL1 refused the credentials' : 'not paused'}</Badge>
                      {auth.reason && <div class="small">{auth.reason}</div>}
                      {auth.until && (
                        <div class="small">
                          until <Time iso={auth.until} />
                        </div>
                      )}
                    </>
                  )}
                </dd>
                <dt>Draining</dt>
                <dd>{status.draining ? <Badge tone="warn">shutting down</Badge> : 'no'}</dd>
                <dt>Up for</dt>
                <dd>{uptime(status.uptimeSeconds)}</dd>
              </dl>
            </article>
            <article class="card" aria-labelledby="h-queue">
              <h3 id="h-queue">Queue</h3>
              <dl class="facts">
                <dt>Waiting</dt>
                <dd>{status.queue.waiting}</dd>
                <dt>In flight</dt>
                <dd>{status.queue.inFlight}</dd>
                <dt>Capacity</dt>
                <dd>
                  {status.queue.capacity} {status.queue.hasRoom ? '' : <Badge tone="bad">full</Badge>}
                </dd>
                <dt>
                  <label for="queue-use">Use</label>
                </dt>
                <dd>
                  <meter id="queue-use" min={0} max={status.queue.capacity} high={status.queue.capacity * 0.8} value={status.queue.waiting + status.queue.inFlight} />
                </dd>
              </dl>
            </article>
            <article class="card" aria-labelledby="h-journal">
              <h3 id="h-journal">Journal and dead letters</h3>
              <dl class="facts">
                <dt>Journal</dt>
                <dd>{status.journal.writable ? <Badge tone="ok">writable</Badge> : <Badge tone="bad">not writable</Badge>}</dd>
                <dt>Pending</dt>
                <dd>{status.journal.pending} alerts</dd>
                <dt>Durability</dt>
                <dd>{status.journal.mode}</dd>
                <dt>Dead letters</dt>
                <dd>
                  <a href="#/dead-letters">{status.deadLetters.count}</a> in <code>{status.deadLetters.file}</code>
                </dd>
              </dl>
            </article>
          </div>
          <article class="card" aria-labelledby="h-reload">
            <h3 id="h-reload">Last configuration reload</h3>
            <p>
              <Badge tone={status.lastReload.ok ? 'ok' : 'bad'}>{status.lastReload.ok ? 'applied' : 'refused'}</Badge> by{' '}
              {status.lastReload.trigger} at <Time iso={status.lastReload.at} />. Serving <code>{status.config.webhooks}</code> and{' '}
              <code>{status.config.settings}</code> ({status.config.sources.length} sources).
            </p>
            {status.lastReload.issues.length > 0 && (
              <>
                <p>The running configuration stayed; fix these and reload:</p>
                <ul class="issues">
                  {status.lastReload.issues.map((issue) => (
                    <li key={issue.text}>
                      <code>{issue.text}</code>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </article>
        </>
      )}
    </section>
  );
}
