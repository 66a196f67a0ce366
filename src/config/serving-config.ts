/**
 * The configuration GenHook serves: settings.ini + webhooks.ini compiled by compileConfig, plus the sources
 * switched off with `;disabled;` lines. Disabled lines are still validated (with their real columns), so
 * enabling a source can never load a broken line; a source whose every line is disabled stays known and
 * answers 200 ignored, as `<source>_enabled = false` does, instead of 404 (which makes providers retry or
 * give up on the endpoint).
 */
import { readFile, stat } from 'node:fs/promises';
import { MAX_WEBHOOKS_FILE_SIZE } from '../rules/limits.js';
import { compileConfig, type ConfigFiles, type RuntimeConfig, type SourceRuntime } from './runtime.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { readLines, unmarkForParsing } from '../rules/index.js';

export interface ServingConfig {
  readonly config: RuntimeConfig;
  readonly warnings: readonly ConfigIssue[];
  /** Sources whose every line carries the `;disabled;` mark. */
  readonly disabled: ReadonlySet<string>;
  /** The texts this was compiled from, to tell a real change from a file event about the same bytes. */
  readonly settingsText: string;
  readonly webhooksText: string;
}

export type ServingInput = ConfigFiles & { readonly settingsText: string; readonly webhooksText: string };

/** Pure. Throws ConfigError with every issue of both files, disabled lines included. */
export function compileServingConfig(input: ServingInput): ServingConfig {
  const lines = readLines(input.webhooksText);
  const marked = lines.filter((line) => line.isMarked && line.key !== undefined);
  if (marked.length === 0) {
    const { config, warnings } = compileConfig(input);
    return freezeServing({ config, warnings, disabled: new Set(), ...texts(input) });
  }
  // First every line, marks blanked, so a broken disabled line is reported like any other.
  const full = compileConfig({ ...input, webhooksText: unmarkForParsing(input.webhooksText) });
  const activeBySource = new Map<string, boolean>();
  for (const line of lines) {
    if (line.key === undefined) continue;
    activeBySource.set(line.key.source, (activeBySource.get(line.key.source) ?? false) || !line.isMarked);
  }
  const disabled = new Set([...activeBySource].filter(([, isActive]) => !isActive).map(([source]) => source));
  // A marked line of a source that still has active lines is just a comment.
  const stillComments = marked.filter((line) => !disabled.has(line.key?.source ?? ''));
  const loaded =
    stillComments.length === 0
      ? full
      : compileConfig({
          ...input,
          webhooksText: unmarkForParsing(input.webhooksText, new Set(marked.filter((line) => disabled.has(line.key?.source ?? '')).map((line) => line.number))),
        });
  return freezeServing({ config: withDisabled(loaded.config, disabled), warnings: loaded.warnings, disabled, ...texts(input) });
}

export async function loadServingConfig(files: ConfigFiles): Promise<ServingConfig> {
  const [settingsText, webhooksText] = await Promise.all([readConfigText(files.settingsFile), readConfigText(files.webhooksFile)]);
  return compileServingConfig({ ...files, settingsText, webhooksText });
}

/** Reads one config file; a missing or unreadable one becomes a ConfigIssue like any other problem. */
export async function readConfigText(file: string): Promise<string> {
  try {
    // Never read a file far beyond what may be compiled: a character is at most 4 bytes of UTF-8.
    const { size } = await stat(file);
    if (size > 4 * MAX_WEBHOOKS_FILE_SIZE) {
      throw new ConfigError([{ file, line: 1, column: 1, message: `${file} is ${size} bytes; a configuration file holds at most ${MAX_WEBHOOKS_FILE_SIZE} characters, so it was not read` }]);
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ file, line: 1, column: 1, message: `cannot read ${file}: ${reason}` }]);
  }
}

function withDisabled(config: RuntimeConfig, disabled: ReadonlySet<string>): RuntimeConfig {
  if (disabled.size === 0) return config;
  const sources = new Map<string, SourceRuntime>(config.sources);
  for (const name of disabled) {
    const source = sources.get(name);
    if (source) sources.set(name, Object.freeze({ ...source, isEnabled: false }));
  }
  return Object.freeze({ ...config, sources });
}

function texts(input: ServingInput): Pick<ServingConfig, 'settingsText' | 'webhooksText'> {
  return { settingsText: input.settingsText, webhooksText: input.webhooksText };
}

function freezeServing(serving: ServingConfig): ServingConfig {
  return Object.freeze(serving);
}
