/** What on-call checks first: SL1 mode, breaker, delivery pause, queue, journal, dead letters, the last reload. */
import { api, type ConfigIssue } from '../api';
import { useAction, useAdminData } from '../admin-data';
import { Badge, ErrorNote, IssueList, Note, PageHeading, RefreshButton, Time } from '../components';

interface Status {
  readonly mode: 'sl1' | 'log';
  readonly draining: boolean;
  readonly uptimeSeconds: number;
  readonly breaker: { readonly state: 'closed' | 'half_open' | 'open' };
  readonly delivery: { readonly paused: boolean; readonly reason?: string; readonly until?: string };
  readonly sl1Auth?: {
    readonly paused: boolean;
    readonly phase: 'unverified' | 'verified' | 'paused';
    readonly status: number | null;
    readonly detail: string | null;
    readonly since: string | null;
    readonly nextProbeAt: string | null;
  } | null;
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
  const { data: status, error, setError, reload } = useAdminData<Status>('/status', 5000);
  const { busy, done, run } = useAction(setError);
  const auth = status?.sl1Auth;
  /** One alert goes first with the current credentials; the rest follow once SL1 accepts it. */
  const resume = () =>
    run('resume', async () => {
      const answer = await api<{ status: string }>('POST', '/delivery/resume');
      await reload();
      return answer.status === 'resumed' ? 'Delivery resumed: one alert goes first to check the credentials.' : 'Delivery was not paused.';
    });
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Health">
        <RefreshButton onRefresh={reload} />
      </PageHeading>
      <ErrorNote error={error} />
      {done && <Note>{done}</Note>}
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
                <dt>SL1 credentials</dt>
                <dd>
                  {auth === undefined || auth === null ? (
                    <span class="muted">not reported</span>
                  ) : auth.paused ? (
                    <>
                      <Badge tone="bad">paused: SL1 refused them{auth.status ? ` (${auth.status})` : ''}</Badge>
                      {auth.detail && <div class="small">{auth.detail}</div>}
                      {auth.since && (
                        <div class="small">
                          since <Time iso={auth.since} />
                        </div>
                      )}
                      <div class="small">
                        {auth.nextProbeAt ? (
                          <>
                            next single try at <Time iso={auth.nextProbeAt} />
                          </>
                        ) : (
                          'no more tries until sl1_username/sl1_password change or delivery is resumed'
                        )}
                      </div>
                      <button type="button" class="secondary" disabled={busy !== undefined} onClick={() => void resume()}>
                        Resume delivery
                      </button>
                    </>
                  ) : (
                    <Badge tone={auth.phase === 'verified' ? 'ok' : 'muted'}>{auth.phase === 'verified' ? 'accepted' : 'not yet verified (one request at a time)'}</Badge>
                  )}
                </dd>
                <dt>Delivery paused</dt>
                <dd>{status.delivery.paused ? <Badge tone="bad">paused</Badge> : 'no'}</dd>
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
            {status.lastReload.issues.length > 0 && <p>The running configuration stayed; fix these and reload:</p>}
            <IssueList issues={status.lastReload.issues} />
          </article>
        </>
      )}
    </section>
  );
}
