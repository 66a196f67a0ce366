/** What every console page does with the admin API: load (and refresh) a resource, and run an action with a busy state. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

/**
 * GETs `path` on mount (and every `everyMs` while the tab is visible); `reload` fetches it again. A failure is kept
 * in `error` (the last data stays shown); a good answer clears it.
 */
export function useAdminData<T>(path: string, everyMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const reload = async (): Promise<void> => {
    try {
      setData(await api<T>('GET', path));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void reload();
    if (everyMs === undefined) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, [path, everyMs]);
  return { data, error, setError, reload };
}

/**
 * Runs one action at a time: `busy` names the running one, the error and last message are cleared first, the
 * action's sentence becomes `done`, a failure goes to `setError`.
 */
export function useAction(setError: (error: unknown) => void) {
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const run = async (name: string, action: () => Promise<string>): Promise<void> => {
    setBusy(name);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await action());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, done, run };
}
