/** Every source: its lines, whether it is on, what it received and delivered, its last error; switch it on or off. */
import { useEffect, useState } from 'preact/hooks';
import { api, type SourceView } from '../api';
import { Badge, ErrorNote, Note, PageHeading, Time } from '../components';

export function Sources() {
  const [sources, setSources] = useState<readonly SourceView[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const load = async (): Promise<void> => {
    try {
      setSources((await api<{ sources: SourceView[] }>('GET', '/sources')).sources);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => void load(), []);

  const toggle = async (source: SourceView): Promise<void> => {
    const action = source.enabled ? 'disable' : 'enable';
    setBusy(source.name);
    setError(undefined);
    setDone(undefined);
    try {
      await api('POST', `/sources/${encodeURIComponent(source.name)}/${action}`);
      setDone(`${source.name} ${action}d.`);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Sources">
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </PageHeading>
      <ErrorNote error={error} />
      {done && <Note>{done}</Note>}
      {sources && (
        <table class="table" data-testid="sources">
          <caption>Sources in webhooks.ini, with counts since GenHook started</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Lines</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Received</th>
              <th scope="col" class="num">Delivered</th>
              <th scope="col" class="num">Dead-lettered</th>
              <th scope="col" class="num">Missing fields</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sources.map((source) => (
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
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
