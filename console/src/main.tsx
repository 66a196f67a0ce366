/** The GenHook console: sign in with admin_token, then five pages over the admin API. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, saveToken, savedToken, whenUnauthorized } from './api';
import { ErrorNote } from './components';
import { DeadLetters } from './pages/dead-letters';
import { Health } from './pages/health';
import { Playground } from './pages/playground';
import { RecentAlerts } from './pages/recent-alerts';
import { Sources } from './pages/sources';

const PAGES = [
  { id: 'playground', title: 'Playground', Page: Playground },
  { id: 'sources', title: 'Sources', Page: Sources },
  { id: 'dead-letters', title: 'Dead letters', Page: DeadLetters },
  { id: 'recent', title: 'Recent alerts', Page: RecentAlerts },
  { id: 'health', title: 'Health', Page: Health },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.some((page) => page.id === id) ? (id as PageId) : 'playground';
}

function App() {
  const [token, setToken] = useState(savedToken());
  const [signOutReason, setSignOutReason] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<PageId>(pageFromHash());

  useEffect(() => {
    whenUnauthorized((message) => {
      saveToken(null);
      setToken(null);
      setSignOutReason(`Signed out: ${message}`);
    });
    const onHash = (): void => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.title = `${PAGES.find((entry) => entry.id === page)?.title ?? ''} · GenHook console`;
    // Move focus to the new page's heading so keyboard and screen-reader users land on it.
    if (token) document.getElementById('page-title')?.focus();
  }, [page, token]);

  if (!token) {
    return (
      <SignIn
        reason={signOutReason}
        onSignedIn={(value) => {
          saveToken(value);
          setSignOutReason(undefined);
          setToken(value);
        }}
      />
    );
  }
  const current = PAGES.find((entry) => entry.id === page) ?? PAGES[0];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>GenHook</h1>
        <nav aria-label="Console pages">
          <ul>
            {PAGES.map((entry) => (
              <li key={entry.id}>
                <a href={`#/${entry.id}`} aria-current={entry.id === page ? 'page' : undefined}>
                  {entry.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            saveToken(null);
            setToken(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">
        <current.Page />
      </main>
    </>
  );
}

function SignIn({ reason, onSignedIn }: { reason: string | undefined; onSignedIn: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('GET', '/status', undefined, value.trim());
      onSignedIn(value.trim());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">GenHook console</h1>
        <p>Sign in with the <code>admin_token</code> from settings.ini. It is kept in this tab only.</p>
        {reason && <p class="note">{reason}</p>}
        <label for="token">Admin token</label>
        <input
          id="token"
          data-testid="token"
          type="password"
          autoComplete="current-password"
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <button data-testid="login" type="submit" disabled={busy || value.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
