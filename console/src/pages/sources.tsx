/** Every source: its lines, whether it is on, what it received and delivered, its last error; switch it on or off. */
import { api, type SourceRow } from '../api';
import { useAction, useAdminData } from '../admin-data';
import { Badge, ErrorNote, Note, PageHeading, RefreshButton, Time } from '../components';
import { DataTable } from '../table';

const COLUMNS = [
  { label: 'Source' },
  { label: 'Lines' },
  { label: 'State' },
  { label: 'Received', numeric: true },
  { label: 'Delivered', numeric: true },
  { label: 'Dead-lettered', numeric: true },
  { label: 'Missing fields', numeric: true },
  { label: 'Last error' },
  { label: 'Actions', hidden: true },
] as const;

export function Sources() {
  const { data, error, setError, reload } = useAdminData<{ sources: SourceRow[] }>('/sources');
  const { busy, done, run } = useAction(setError);
  const toggle = (source: SourceRow) =>
    run(source.name, async () => {
      const action = source.enabled ? 'disable' : 'enable';
      await api('POST', `/sources/${encodeURIComponent(source.name)}/${action}`);
      await reload();
      return `${source.name} ${action}d.`;
    });

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Sources">
        <RefreshButton onRefresh={reload} />
      </PageHeading>
      <ErrorNote error={error} />
      {done && <Note>{done}</Note>}
      {data && (
        <DataTable
          testId="sources"
          caption="Sources in webhooks.ini, with counts since GenHook started"
          columns={COLUMNS}
          rows={data.sources}
          row={(source) => (
            <tr key={source.name}>
              <th scope="row">
                {source.name}
                <div class="muted small">
                  <code>POST {source.url}</code>
                  {source.provider && source.provider !== source.name ? ` (${source.provider})` : ''}
                </div>
              </th>
              <td>
                <ul class="plain">
                  {source.lines.map((line) => (
                    <li key={line}>
                      <code>{line}</code>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {source.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="muted">disabled{source.disabledBy === 'settings' ? ' in settings.ini' : ''}</Badge>}
              </td>
              <td class="num">{source.counts?.received ?? '–'}</td>
              <td class="num">{source.counts?.delivered ?? '–'}</td>
              <td class="num">{source.counts?.deadLettered ?? '–'}</td>
              <td class="num">{source.counts?.missingFields ?? '–'}</td>
              <td>
                {source.lastError ? (
                  <>
                    <Time iso={source.lastError.at} />
                    <div class="small">{source.lastError.message}</div>
                  </>
                ) : (
                  <span class="muted">none</span>
                )}
              </td>
              <td>
                <button
                  type="button"
                  class="secondary"
                  disabled={busy === source.name || source.disabledBy === 'settings'}
                  title={source.disabledBy === 'settings' ? `${source.name}_enabled = false in settings.ini` : undefined}
                  aria-label={`${source.enabled ? 'Disable' : 'Enable'} ${source.name}`}
                  onClick={() => void toggle(source)}
                >
                  {source.enabled ? 'Disable' : 'Enable'}
                </button>
              </td>
            </tr>
          )}
        />
      )}
    </section>
  );
}
