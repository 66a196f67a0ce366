/**
 * Holds the configuration GenHook serves and is the only thing that replaces it: reloads (file change,
 * SIGHUP, `POST /admin/reload`) and management writes. A new configuration is compiled completely before
 * the swap; an invalid one is logged with file:line:column, counted, returned, and the old one stays.
 * Reloads and writes run one at a time, so two writes never lose each other's change. Requests already
 * past the door keep the config object they started with; queued alerts are already rendered.
 */
import { ConfigError, formatConfigIssue, type ConfigIssue, type HttpErrorCode } from '../errors/index.js';
import type { ConfigFiles, RuntimeConfig } from './runtime.js';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../store/atomic-write.js';
import { settingsNeedingRestart } from './restart-settings.js';
import { compileServingConfig, readConfigText, type ServingConfig } from './serving-config.js';

export const RELOAD_TRIGGERS = ['file', 'sighup', 'admin', 'write'] as const;
export type ReloadTrigger = (typeof RELOAD_TRIGGERS)[number];

export type ReloadResult =
  | { readonly ok: true; readonly changed: boolean; readonly restartNeeded: readonly string[]; readonly warnings: readonly ConfigIssue[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** What an edit of webhooks.ini decided: new text and a result, or a refusal that writes nothing. */
/** Why a management edit was not made; answered with the code's status from errors/http-errors.ts. */
export interface EditRefusal {
  readonly code: HttpErrorCode;
  readonly message: string;
}

export type EditPlan<T> = { readonly text: string; readonly result: T } | { readonly refuse: EditRefusal };

export type WriteResult<T> =
  | { readonly ok: true; readonly result: T; readonly restartNeeded: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] }
  | { readonly ok: false; readonly refuse: EditRefusal };

/** The last reload or write, for the console's Health page and GET /admin/status. */
export interface ReloadRecord {
  readonly at: string;
  readonly trigger: ReloadTrigger | 'start';
  readonly ok: boolean;
  /** The problems that refused it (file, line, column), empty when it applied. */
  readonly issues: readonly ConfigIssue[];
}

export interface ConfigStoreOptions {
  readonly files: ConfigFiles;
  readonly initial: ServingConfig;
  readonly logger: Logger;
  /** The `genhook_config_reloads_total` counter (ops/metrics), by result and trigger. */
  readonly metrics: {
    readonly configReloads: { inc(labels: { result: 'ok' | 'invalid'; trigger: ReloadTrigger }): void };
    /** `genhook_config_last_reload_success`: 1 after a swap, 0 after a refusal. */
    readonly configLastReloadSuccess?: { set(value: number): void };
  };
}

export class ConfigStore {
  readonly #options: ConfigStoreOptions;
  #current: ServingConfig;
  /** The last reload or write queued; the next one starts when it settles. */
  #lastTask: Promise<unknown> = Promise.resolve();
  readonly #applyListeners: ((next: ServingConfig, previous: ServingConfig, trigger: ReloadTrigger) => void)[] = [];
  /** Texts last refused on a file event, so one broken save is reported once, not once per event. */
  #lastRefused: string | undefined;
  #lastReload: ReloadRecord = { at: new Date().toISOString(), trigger: 'start', ok: true, issues: [] };

  constructor(options: ConfigStoreOptions) {
    this.#options = options;
    this.#current = options.initial;
  }

  /** Calls `listener` after every swap (the server adjusts the log level, delivery and the file watcher; an operator's reload resumes an SL1 auth pause). */
  onApply(listener: (next: ServingConfig, previous: ServingConfig, trigger: ReloadTrigger) => void): void {
    this.#applyListeners.push(listener);
  }

  get current(): ServingConfig {
    return this.#current;
  }

  get config(): RuntimeConfig {
    return this.#current.config;
  }

  get lastReload(): ReloadRecord {
    return this.#lastReload;
  }

  /** Re-reads both files. On `file` events, bytes equal to what runs already are not a reload. */
  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    return this.#serial(async () => {
      const { settingsFile, webhooksFile } = this.#options.files;
      let texts: { settingsText: string; webhooksText: string };
      try {
        const [settingsText, webhooksText] = await Promise.all([readConfigText(settingsFile), readConfigText(webhooksFile)]);
        texts = { settingsText, webhooksText };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // Mid rename-replace the file may be gone for an instant; its creation brings another event.
        if (trigger === 'file') return { ok: true, changed: false, restartNeeded: [], warnings: [] };
        return this.#refuse(trigger, error.issues, undefined);
      }
      const fingerprint = `${texts.settingsText}\u0000${texts.webhooksText}`;
      if (trigger === 'file') {
        const isSameText = texts.settingsText === this.#current.settingsText && texts.webhooksText === this.#current.webhooksText;
        // Same .ini bytes: only a lookup table can have changed, and only a recompile can tell.
        if (isSameText && this.#current.config.lookupFiles.length === 0) {
          // The usual echo of our own atomic write (a management write renames over webhooks.ini).
          this.#options.logger.debug({ trigger }, 'configuration files unchanged: nothing to reload');
          // Back to what runs (a broken save undone): the files on disk are good again.
          this.#options.metrics.configLastReloadSuccess?.set(1);
          this.#lastRefused = undefined;
          return { ok: true, changed: false, restartNeeded: [], warnings: [] };
        }
        if (fingerprint === this.#lastRefused) return { ok: false, issues: [] };
      }
      let next: ServingConfig;
      try {
        next = compileServingConfig({ ...this.#options.files, ...texts });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return this.#refuse(trigger, error.issues, fingerprint);
      }
      const changed =
        texts.settingsText !== this.#current.settingsText ||
        texts.webhooksText !== this.#current.webhooksText ||
        next.config.lookupFingerprint !== this.#current.config.lookupFingerprint;
      if (trigger === 'file' && !changed) {
        this.#options.metrics.configLastReloadSuccess?.set(1);
        this.#lastRefused = undefined;
        return { ok: true, changed: false, restartNeeded: [], warnings: [] };
      }
      const restartNeeded = this.#apply(next, trigger);
      return { ok: true, changed, restartNeeded, warnings: next.warnings };
    });
  }

  /**
   * Reads webhooks.ini, lets `edit` change its text, validates the whole would-be configuration like
   * `genhook check`, then writes it atomically and serves it at once. Nothing is written when invalid.
   */
  editWebhooks<T>(edit: (text: string, current: ServingConfig) => EditPlan<T>): Promise<WriteResult<T>> {
    return this.#serial(async () => {
      const { settingsFile, webhooksFile } = this.#options.files;
      let settingsText: string;
      let webhooksText: string;
      try {
        [settingsText, webhooksText] = await Promise.all([readConfigText(settingsFile), readConfigText(webhooksFile)]);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return { ok: false, issues: error.issues };
      }
      const plan = edit(webhooksText, this.#current);
      if ('refuse' in plan) return { ok: false, refuse: plan.refuse };
      let next: ServingConfig;
      try {
        next = compileServingConfig({ ...this.#options.files, settingsText, webhooksText: plan.text });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        this.#options.logger.warn({ trigger: 'write', issues: error.issues.map(formatConfigIssue) }, 'management write refused: the result would not be valid; nothing was written');
        return { ok: false, issues: error.issues };
      }
      if (plan.text !== webhooksText) {
        try {
          await writeFileAtomic(webhooksFile, plan.text);
        } catch (error) {
          // A read-only mount (a Kubernetes ConfigMap) or a full disk: nothing changed, say where.
          this.#options.logger.error({ err: error, file: webhooksFile }, 'management write failed: webhooks.ini could not be written');
          return { ok: false, refuse: { code: 'config_write_failed', message: `cannot write ${webhooksFile}: ${(error as Error).message}; nothing was changed` } };
        }
      }
      const restartNeeded = this.#apply(next, 'write');
      return { ok: true, result: plan.result, restartNeeded };
    });
  }

  #apply(next: ServingConfig, trigger: ReloadTrigger): string[] {
    const previous = this.#current;
    const restartNeeded = settingsNeedingRestart(previous.config, next.config);
    this.#current = next;
    this.#lastRefused = undefined;
    this.#lastReload = { at: new Date().toISOString(), trigger, ok: true, issues: [] };
    this.#options.metrics.configReloads.inc({ result: 'ok', trigger });
    this.#options.metrics.configLastReloadSuccess?.set(1);
    const { logger } = this.#options;
    for (const warning of next.warnings) logger.warn({ file: warning.file, line: warning.line }, formatConfigIssue(warning));
    if (restartNeeded.length > 0) {
      logger.warn({ trigger, settings: restartNeeded }, `${restartNeeded.join(', ')} changed: takes effect after a restart (the running values stay until then)`);
    }
    logger.info({ trigger, sources: next.config.rules.sources(), disabled: [...next.disabled] }, 'configuration reloaded');
    for (const listener of this.#applyListeners) listener(next, previous, trigger);
    return restartNeeded;
  }

  #refuse(trigger: ReloadTrigger, issues: readonly ConfigIssue[], fingerprint: string | undefined): ReloadResult {
    this.#lastRefused = fingerprint;
    this.#lastReload = { at: new Date().toISOString(), trigger, ok: false, issues };
    this.#options.metrics.configReloads.inc({ result: 'invalid', trigger });
    this.#options.metrics.configLastReloadSuccess?.set(0);
    this.#options.logger.error(
      { trigger, issues: issues.map(formatConfigIssue) },
      `configuration reload refused (${issues.length} problem${issues.length === 1 ? '' : 's'}); the running configuration stays`,
    );
    return { ok: false, issues };
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lastTask.then(task, task);
    this.#lastTask = run.catch(() => undefined);
    return run;
  }
}
