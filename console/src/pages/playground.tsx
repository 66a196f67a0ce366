/**
 * Try a line on a payload: the rendered message, the missing fields, which line matched and why the others did
 * not, the exact SL1 request body; then save the line (validated by GenHook like `genhook check`).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, lineText, type LineView, type PreviewItem, type SourceRow } from '../api';
import { Badge, ErrorNote, Note, PageHeading } from '../components';
import { DataTable } from '../table';

const SAMPLE_PAYLOAD = '{\n  "status": "down",\n  "service": { "name": "checkout" }\n}';

/** NAME (with conditions) of a `NAME: FIELDS::TEMPLATE` line: up to the first colon outside brackets. */
export function nameOfLine(text: string): string | undefined {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '[') depth++;
    else if (char === ']') depth = Math.max(0, depth - 1);
    else if (char === ':' && depth === 0) return text.slice(0, index).trim() || undefined;
  }
  return undefined;
}

function parseHeaders(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `header line ${index + 1} is not "Name: value"`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

const VERDICT_TONE = { matched: 'ok', conditions_failed: 'warn', shadowed: 'muted', less_specific: 'muted', other_event: 'muted' } as const;
const VERDICT_TEXT = {
  matched: 'matched',
  conditions_failed: 'conditions failed',
  shadowed: 'shadowed',
  less_specific: 'less specific',
  other_event: 'other event',
} as const;

const LINE_COLUMNS = [{ label: 'Line' }, { label: 'NAME' }, { label: 'Verdict' }, { label: 'Why' }] as const;

export function Playground() {
  const [sources, setSources] = useState<readonly SourceRow[]>([]);
  const [lines, setLines] = useState<readonly LineView[]>([]);
  const [source, setSource] = useState('');
  const [line, setLine] = useState('');
  const [payload, setPayload] = useState(SAMPLE_PAYLOAD);
  const [headers, setHeaders] = useState('');
  const [event, setEvent] = useState('');
  const [items, setItems] = useState<readonly PreviewItem[] | undefined>(undefined);
  const [previewedSource, setPreviewedSource] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const loadConfig = async (): Promise<void> => {
    const [sourceList, lineList] = await Promise.all([
      api<{ sources: SourceRow[] }>('GET', '/sources'),
      api<{ lines: LineView[] }>('GET', '/lines'),
    ]);
    setSources(sourceList.sources);
    setLines(lineList.lines);
  };
  useEffect(() => {
    loadConfig().catch(setError);
  }, []);

  const chooseSource = (name: string): void => {
    setSource(name);
    const first = lines.find((entry) => entry.source === name);
    setLine(first ? lineText(first) : '');
  };

  /** The source a typed line is for (its NAME up to the first dot), else the chosen one. */
  const targetSource = (): string => {
    const name = nameOfLine(line);
    return name ? (name.split(/[.[]/)[0] ?? '').trim().toLowerCase() : source;
  };

  const preview = async (event_: Event): Promise<void> => {
    event_.preventDefault();
    setError(undefined);
    setSaved(undefined);
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch (failure) {
      setError(new Error(`The payload is not valid JSON: ${(failure as Error).message}`));
      return;
    }
    const headerMap = parseHeaders(headers);
    if (typeof headerMap === 'string') {
      setError(new Error(`Headers: ${headerMap}`));
      return;
    }
    const target = targetSource();
    if (target === '') {
      setError(new Error('Choose a source or type a line (NAME: FIELDS::TEMPLATE).'));
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ items: PreviewItem[] }>('POST', `/preview/${encodeURIComponent(target)}`, {
        payload: body,
        headers: headerMap,
        ...(event.trim() === '' ? {} : { event: event.trim() }),
        ...(line.trim() === '' ? {} : { line: line.trim() }),
      });
      setItems(answer.items);
      setPreviewedSource(target);
    } catch (failure) {
      setItems(undefined);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const save = async (): Promise<void> => {
    setError(undefined);
    setSaved(undefined);
    const name = nameOfLine(line);
    if (!name) {
      setError(new Error('Type a line as NAME: FIELDS::TEMPLATE to save it.'));
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ status: string; line: { line: number } | null }>('PUT', `/lines/${encodeURIComponent(name)}`, { line: line.trim() });
      setSaved(`Saved ${name}: ${answer.status}${answer.line ? ` at line ${answer.line.line} of webhooks.ini` : ''}.`);
      await loadConfig();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Playground" />
      <form class="playground" onSubmit={preview}>
        <div class="field">
          <label for="pg-source">Source</label>
          <select id="pg-source" value={source} onChange={(e) => chooseSource(e.currentTarget.value)}>
            <option value="">Type a line below</option>
            {sources.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
                {entry.enabled ? '' : ' (disabled)'}
              </option>
            ))}
          </select>
          <p class="hint">Choosing a source puts its first line below; edit it or type another.</p>
        </div>
        <div class="field wide">
          <label for="pg-line">Line</label>
          <textarea
            id="pg-line"
            data-testid="line"
            rows={2}
            spellcheck={false}
            placeholder="acme: status,service{name}::Acme $service.name$ is $status$"
            aria-describedby="pg-line-hint"
            value={line}
            onInput={(e) => setLine(e.currentTarget.value)}
          />
          <p class="hint" id="pg-line-hint">
            NAME: FIELDS::TEMPLATE. Empty: the source's current lines are used.
          </p>
        </div>
        <div class="field wide">
          <label for="pg-payload">Payload (JSON)</label>
          <textarea id="pg-payload" data-testid="payload" rows={10} spellcheck={false} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="pg-headers">Headers (optional, one per line)</label>
          <textarea
            id="pg-headers"
            rows={3}
            spellcheck={false}
            placeholder="X-GitHub-Event: pull_request"
            value={headers}
            onInput={(e) => setHeaders(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="pg-event">Event (optional)</label>
          <input id="pg-event" type="text" placeholder="read from headers and payload" value={event} onInput={(e) => setEvent(e.currentTarget.value)} />
        </div>
        <div class="actions">
          <button type="submit" data-testid="preview" disabled={busy}>
            Preview
          </button>
          <button type="button" class="secondary" disabled={busy || line.trim() === ''} onClick={() => void save()}>
            Save line
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {saved && <Note>{saved}</Note>}
      <div aria-live="polite">{items && <PreviewResults source={previewedSource} items={items} />}</div>
    </section>
  );
}

function PreviewResults({ source, items }: { source: string; items: readonly PreviewItem[] }) {
  if (items.length === 0) return <Note>The payload holds no items for {source}.</Note>;
  return (
    <div class="results">
      <h3>Result{items.length > 1 ? `s (${items.length} items)` : ''}</h3>
      {items.map((item, index) => (
        <article class="card" key={index} aria-label={`Item ${index + 1}`}>
          <dl class="facts">
            <dt>Outcome</dt>
            <dd>
              <Badge tone={item.status === 'rendered' ? 'ok' : 'warn'}>{item.status}</Badge>
              {item.reason && <span class="reason"> {item.reason}</span>}
            </dd>
            <dt>Event</dt>
            <dd>{item.event ?? <span class="muted">none</span>}</dd>
            <dt>Matched line</dt>
            <dd>{item.rule ? <code>{item.rule}</code> : <span class="muted">none</span>}</dd>
            <dt>Message</dt>
            <dd>
              <output data-testid="message" class="message">
                {item.message ?? ''}
              </output>
            </dd>
            <dt>Missing fields</dt>
            <dd data-testid="missing">
              {item.missing.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul class="chips">
                  {item.missing.map((name) => (
                    <li key={name}>
                      <code>{name}</code>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
          {item.lines.length > 0 && (
            <DataTable
              caption={`Lines of ${source} and why each did or did not match`}
              columns={LINE_COLUMNS}
              rows={item.lines}
              row={(entry) => (
                <tr key={`${entry.line}:${entry.name}`}>
                  <td>{entry.line === 0 ? 'proposed' : entry.line}</td>
                  <td>
                    <code>{entry.name}</code>
                  </td>
                  <td>
                    <Badge tone={VERDICT_TONE[entry.verdict]}>{VERDICT_TEXT[entry.verdict]}</Badge>
                  </td>
                  <td>{entry.reason}</td>
                </tr>
              )}
            />
          )}
          {item.sl1Request && (
            <details open>
              <summary>SL1 request body (POST /api/alert)</summary>
              <pre class="code">{JSON.stringify(item.sl1Request, null, 2)}</pre>
            </details>
          )}
        </article>
      ))}
    </div>
  );
}
