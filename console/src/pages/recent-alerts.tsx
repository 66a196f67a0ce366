/** The last alerts GenHook accepted (kept in memory, `recent_alerts` of them) and what became of each. */
import { useEffect, useState } from 'preact/hooks';
import { api, type RecentAlert } from '../api';
import { Badge, ErrorNote, PageHeading, Time } from '../components';

const OUTCOME_TONE = { queued: 'muted', retrying: 'warn', delivered: 'ok', logged: 'ok', dead_lettered: 'bad' } as const;

export function RecentAlerts() {
  const [answer, setAnswer] = useState<{ limit: number; alerts: readonly RecentAlert[] } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const load = async (): Promise<void> => {
    try {
      setAnswer(await api('GET', '/alerts/recent'));
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

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Recent alerts">
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </PageHeading>
      <ErrorNote error={error} />
      {answer && (
        <table class="table">
          <caption>
            The last {answer.limit} alerts accepted (recent_alerts), newest first; refreshed every 5 seconds
          </caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Source</th>
              <th scope="col">Message</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col" class="num">SL1 status</th>
            </tr>
          </thead>
          <tbody>
            {answer.alerts.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">
                  No alerts since GenHook started.
                </td>
              </tr>
            )}
            {answer.alerts.map((alert) => (
              <tr key={alert.id}>
                <td>
                  <Time iso={alert.receivedAt} />
                </td>
                <td>
                  {alert.source}
                  {alert.event ? <div class="muted small">{alert.event}</div> : null}
                </td>
                <td class="message-cell">{alert.message}</td>
                <td>
                  <Badge tone={OUTCOME_TONE[alert.outcome]}>{alert.outcome.replace('_', ' ')}</Badge>
                  {alert.reason && <div class="small">{alert.reason}</div>}
                </td>
                <td class="num">{alert.attempts}</td>
                <td class="num">{alert.status ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
