import type { ComponentChildren } from 'preact';
import { ApiError, type ConfigIssue } from './api';

/** A failure said in words, with config issues as file:line:column lines; announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div class="note note-error" role="alert">
      <p>{message}</p>
      <IssueList issues={issues} />
    </div>
  );
}

/** Config issues, one `file:line:column: message` per item (nothing when there are none). */
export function IssueList({ issues }: { issues: readonly ConfigIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul class="issues">
      {issues.map((issue) => (
        <li key={`${issue.file}:${issue.line}:${issue.column}:${issue.text}`}>
          <code>{issue.text}</code>
        </li>
      ))}
    </ul>
  );
}

export function Note({ children }: { children: ComponentChildren }) {
  return (
    <p class="note" role="status">
      {children}
    </p>
  );
}

export function Time({ iso }: { iso: string }) {
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {Number.isNaN(date.getTime()) ? iso : date.toLocaleString()}
    </time>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function PageHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-heading">
      <h2 id="page-title" tabIndex={-1}>
        {title}
      </h2>
      <div class="page-actions">{children}</div>
    </div>
  );
}

export function RefreshButton({ onRefresh }: { onRefresh: () => Promise<void> }) {
  return (
    <button type="button" class="secondary" onClick={() => void onRefresh()}>
      Refresh
    </button>
  );
}
