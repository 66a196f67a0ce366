/** Calls to GenHook's admin API with the signed-in token; every refusal becomes an ApiError with GenHook's message. */
import type { LineView } from '../../src/admin/views.js';

const TOKEN_KEY = 'genhook.admin_token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly text: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}

/** Set by the app: called when GenHook answers 401, so the page returns to sign-in. */
let onUnauthorized: (message: string) => void = () => undefined;
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export async function api<T>(method: string, path: string, body?: unknown, token = savedToken()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`../admin${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'network', 'GenHook did not answer; is it running?');
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'not_json', `GenHook answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; issues?: ConfigIssue[] } }).error ?? {};
    const failure = new ApiError(response.status, error.code ?? 'error', error.message ?? `GenHook answered ${response.status}`, error.issues ?? []);
    if (response.status === 401) onUnauthorized(failure.message);
    throw failure;
  }
  return json as T;
}

// The admin API's answers, as the server declares them (types only: erased from the bundle).
export type { DeadLetterRow, LineExplanation, LineView, PreviewItem, SourceCounts, SourceRow } from '../../src/admin/views.js';
export type { RecentAlert } from '../../src/ops/recent-alert-view.js';
export const lineText = (line: LineView): string => `${line.name}: ${line.fields}::${line.template}`;
