/** The last alerts GenHook accepted (kept in memory, `recent_alerts` of them) and what became of each. */
import type { RecentAlert } from '../api';
import { useAdminData } from '../admin-data';
import { Badge, ErrorNote, PageHeading, RefreshButton, Time } from '../components';
import { DataTable } from '../table';

const OUTCOME_TONE = { queued: 'muted', retrying: 'warn', delivered: 'ok', logged: 'ok', dead_lettered: 'bad' } as const;

const COLUMNS = [
  { label: 'Received' },
  { label: 'Source' },
  { label: 'Message' },
  { label: 'Outcome' },
  { label: 'Attempts', numeric: true },
  { label: 'SL1 status', numeric: true },
] as const;

export function RecentAlerts() {
  const { data: answer, error, reload } = useAdminData<{ limit: number; alerts: readonly RecentAlert[] }>('/alerts/recent', 5000);

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Recent alerts">
        <RefreshButton onRefresh={reload} />
      </PageHeading>
      <ErrorNote error={error} />
      {answer && (
        <DataTable
          caption={`The last ${answer.limit} alerts accepted (recent_alerts), newest first; refreshed every 5 seconds`}
          columns={COLUMNS}
          rows={answer.alerts}
          empty="No alerts since GenHook started."
          row={(alert) => (
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
          )}
        />
      )}
    </section>
  );
}
