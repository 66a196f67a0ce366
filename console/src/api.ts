/** Calls to GenHook's admin API with the signed-in token; every refusal becomes an ApiError with GenHook's message. */

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

export interface LineView {
  readonly name: string;
  readonly source: string;
  readonly event: string | null;
  readonly fields: string;
  readonly template: string;
  readonly line: number;
  readonly enabled: boolean;
}

export interface SourceCounts {
  readonly received: number;
  readonly queued: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly missingFields: number;
}

export interface SourceView {
  readonly name: string;
  readonly provider: string | null;
  readonly enabled: boolean;
  readonly disabledBy: 'admin' | 'settings' | null;
  readonly url: string;
  readonly lines: readonly string[];
  readonly counts?: SourceCounts;
  readonly lastError?: { readonly at: string; readonly alertId: string; readonly message: string } | null;
}

export interface LineExplanation {
  readonly name: string;
  readonly line: number;
  readonly verdict: 'matched' | 'conditions_failed' | 'shadowed' | 'less_specific' | 'other_event';
  readonly reason: string;
}

export interface PreviewItem {
  readonly status: 'rendered' | 'filtered' | 'none';
  readonly event: string | null;
  readonly rule: string | null;
  readonly message: string | null;
  readonly missing: readonly string[];
  readonly reason?: string;
  readonly sl1Request: Readonly<Record<string, string>> | null;
  readonly lines: readonly LineExplanation[];
}

export interface DeadLetterRow {
  readonly id: string;
  readonly source: string;
  readonly event: string | null;
  readonly reason: string;
  readonly status: number | null;
  readonly attempts: number;
  readonly deadLetteredAt: string;
  readonly receivedAt: string;
  readonly message: string;
}

export interface RecentAlert {
  readonly id: string;
  readonly source: string;
  readonly event: string | null;
  readonly message: string;
  readonly receivedAt: string;
  readonly outcome: 'queued' | 'retrying' | 'delivered' | 'logged' | 'dead_lettered';
  readonly attempts: number;
  readonly status: number | null;
  readonly reason: string | null;
  readonly updatedAt: string;
}

export const lineText = (line: LineView): string => `${line.name}: ${line.fields}::${line.template}`;
