/** Dead letters: why each failed, open one, put one or all back in the queue, or delete one. */
import { useState } from 'preact/hooks';
import { api, type DeadLetterRow } from '../api';
import { useAction, useAdminData } from '../admin-data';
import { Badge, ErrorNote, Note, PageHeading, RefreshButton, Time } from '../components';
import { DataTable } from '../table';

interface ListAnswer {
  readonly file: string;
  readonly total: number;
  readonly entries: readonly DeadLetterRow[];
  readonly unreadable: readonly { line: number; reason: string }[];
}

interface ReplayAnswer {
  readonly requeued: number;
  readonly refused: number;
  readonly remaining: number;
  /** Only when re-rendered: those that could not be, and stay. */
  readonly notRerendered?: readonly { readonly id: string; readonly reason: string; readonly noPayload: boolean }[];
}

const COLUMNS = [
  { label: 'Dead-lettered' },
  { label: 'Source' },
  { label: 'Reason' },
  { label: 'SL1 status', numeric: true },
  { label: 'Attempts', numeric: true },
  { label: 'Message' },
  { label: 'Actions', hidden: true },
] as const;

export function DeadLetters() {
  const { data: list, error, setError, reload } = useAdminData<ListAnswer>('/dead-letters?limit=200');
  const { busy: running, done, run } = useAction(setError);
  const [opened, setOpened] = useState<{ id: string; detail: unknown } | undefined>(undefined);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const busy = running !== undefined;

  const act = (name: string, what: () => Promise<string>): Promise<void> =>
    run(name, async () => {
      try {
        const said = await what();
        await reload();
        return said;
      } finally {
        setConfirming(undefined);
      }
    });
  const said = (answer: ReplayAnswer): string => {
    const how = answer.notRerendered ? ' re-rendered with today\'s lines' : '';
    const skipped = answer.notRerendered ?? [];
    const why = skipped.length === 0 ? '' : ` Not re-rendered (kept): ${skipped.map((item) => `${item.id}: ${item.reason}`).join('; ')}.`;
    return `${answer.requeued} put back in the queue${how}${answer.refused > 0 ? `, ${answer.refused} left (queue full)` : ''}; ${answer.remaining} dead letters remain.${why}`;
  };
  const replay = (id: string, rerender = false) =>
    act('replay', async () => said(await api<ReplayAnswer>('POST', `/dead-letters/${encodeURIComponent(id)}/replay${rerender ? '?rerender=true' : ''}`)));
  const replayAll = (rerender = false) =>
    act('replay-all', async () => said(await api<ReplayAnswer>('POST', '/dead-letters/replay', rerender ? { all: true, rerender } : { all: true })));
  const remove = (id: string) =>
    act('delete', async () => {
      await api('DELETE', `/dead-letters/${encodeURIComponent(id)}`);
      if (opened?.id === id) setOpened(undefined);
      return `Deleted ${id}.`;
    });
  const open = async (id: string): Promise<void> => {
    try {
      setOpened({ id, detail: await api('GET', `/dead-letters/${encodeURIComponent(id)}`) });
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Dead letters">
        <RefreshButton onRefresh={reload} />
        <button type="button" disabled={busy || !list || list.total === 0} onClick={() => void replayAll()}>
          Replay all
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy || !list || list.total === 0}
          aria-label="Replay all re-rendered with today's lines"
          onClick={() => void replayAll(true)}
        >
          Replay all re-rendered
        </button>
      </PageHeading>
      <p class="hint">
        Replay puts an alert back in the live queue: it is journaled first, then sent through the circuit breaker, retries and
        concurrency limits like a new alert. Replay re-rendered first renders it again from the request it came from, with
        today's lines (its signature is not checked again); one stored without its request, or that now matches no line, stays.
      </p>
      <ErrorNote error={error} />
      {done && <Note>{done}</Note>}
      {list && (
        <>
          <DataTable
            testId="dlq"
            caption={
              <>
                {list.total} dead letter{list.total === 1 ? '' : 's'} in <code>{list.file}</code>
                {list.total > list.entries.length ? ` (newest ${list.entries.length} shown)` : ''}
              </>
            }
            columns={COLUMNS}
            rows={list.entries}
            empty="No dead letters."
            row={(entry) => (
              <tr key={`${entry.id}@${entry.deadLetteredAt}`} data-testid="dlq-row" data-id={entry.id}>
                <td>
                  <Time iso={entry.deadLetteredAt} />
                </td>
                <td>
                  {entry.source}
                  {entry.event ? <div class="muted small">{entry.event}</div> : null}
                </td>
                <td>
                  <Badge tone="bad">{entry.reason}</Badge>
                </td>
                <td class="num">{entry.status ?? '–'}</td>
                <td class="num">{entry.attempts}</td>
                <td class="message-cell">{entry.message}</td>
                <td class="row-actions">
                  <button type="button" class="secondary" aria-label={`Open ${entry.id}`} onClick={() => void open(entry.id)}>
                    Open
                  </button>
                  <button type="button" disabled={busy} aria-label={`Replay ${entry.id}`} onClick={() => void replay(entry.id)}>
                    Replay
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    disabled={busy}
                    aria-label={`Replay ${entry.id} re-rendered with today's lines`}
                    onClick={() => void replay(entry.id, true)}
                  >
                    Replay re-rendered
                  </button>
                  {confirming === entry.id ? (
                    <button type="button" class="danger" disabled={busy} aria-label={`Confirm delete ${entry.id}`} onClick={() => void remove(entry.id)}>
                      Confirm delete
                    </button>
                  ) : (
                    <button type="button" class="secondary" disabled={busy} aria-label={`Delete ${entry.id}`} onClick={() => setConfirming(entry.id)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            )}
          />
          {list.unreadable.length > 0 && (
            <Note>
              {list.unreadable.length} line{list.unreadable.length === 1 ? '' : 's'} of the file could not be read (
              {list.unreadable.map((line) => `line ${line.line}: ${line.reason}`).join('; ')}); they are kept untouched.
            </Note>
          )}
        </>
      )}
      {opened && (
        <section class="card" aria-label={`Dead letter ${opened.id}`}>
          <div class="page-heading">
            <h3>{opened.id}</h3>
            <button type="button" class="secondary" onClick={() => setOpened(undefined)}>
              Close
            </button>
          </div>
          <pre class="code" tabIndex={0}>
            {JSON.stringify(opened.detail, null, 2)}
          </pre>
        </section>
      )}
    </section>
  );
}
