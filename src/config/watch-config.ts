/**
 * Watches the folders holding settings.ini and webhooks.ini, not the files: editors that save by writing a
 * new file and renaming it over the old one (vim, VS Code, `sed -i`, the admin API) replace the inode a
 * file watch would hold. Bursts of events are debounced into one callback.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface WatchOptions {
  readonly files: readonly string[];
  readonly onChange: () => void;
  readonly onError: (error: Error) => void;
  /** Quiet time after the last event before `onChange`. @default 150 */
  readonly debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFiles({ files, onChange, onError, debounceMs = 150 }: WatchOptions): ConfigWatcher {
  const namesByDir = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = dirname(resolve(file));
    namesByDir.set(dir, (namesByDir.get(dir) ?? new Set()).add(basename(file)));
  }
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of namesByDir) {
    const watcher = watch(dir, { persistent: false }, (_event, filename) => {
      const name = filename?.toString();
      // No name (some platforms), one of ours, or a Kubernetes ConfigMap swapping its `..data` link.
      if (name === undefined || names.has(name) || name.startsWith('..')) schedule();
    });
    watcher.on('error', onError);
    watchers.push(watcher);
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
