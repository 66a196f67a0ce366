#!/usr/bin/env node
/**
 * `genhook serve | check | test | render | dlq list | dlq replay`. Flags --settings/--webhooks, or the environment
 * variables GENHOOK_SETTINGS/GENHOOK_WEBHOOKS; defaults ./settings.ini and ./webhooks.ini.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError, formatConfigIssue } from './errors/index.js';
import { exposureWarnings, loadServingConfig, readTlsFiles, redactUrlPasswords, resolvePaths, sl1Target } from './config/index.js';
import { BodyError } from './errors/index.js';
import { GENHOOK_VERSION } from './ops/version.js';
import type { RuntimeConfig } from './config/index.js';
import { createSl1Client } from './deliver/sl1-client.js';
import { identifySource } from './identify/index.js';
import { type RequestView, parseJsonSafe } from './payload/index.js';
import { resolveItem } from './intake/index.js';
import { escapeForTerminal, renderOptionsFrom } from './render/index.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { checkLines } from './check/check-lines.js';
import { goldenTestCommand } from './golden/test-command.js';
import { startGenHook } from './server.js';
import { checkWorkers, runPrimary, StartError, workerCount, workerIndex } from './server.js';
import { createLogger } from './ops/logger.js';
import { readDeadLetters, replayDeadLetters, toAlert } from './dead-letter/index.js';
import { StoreError } from './store/index.js';
import { openRedisDeadLetters } from './queue/redis-dead-letters.js';
import { redactUrl } from './queue/shared-queue.js';

const USAGE = `Usage: genhook <command> [options]

Commands:
  serve                         run the webhook receiver (what ./start.sh runs)
  check [--strict] [--fixtures DIR]
                                validate settings.ini and webhooks.ini; exit 1 on any error. Also warns about
                                event names and field paths the provider's payloads lack (GitHub's published
                                schemas, the fixtures in DIR, default ./fixtures for the others) with a
                                suggestion; --strict makes warnings errors
  test [--update] [dir]         render every fixture in dir (default ./fixtures: <source>/<name>.json, headers in
                                <name>.meta.json) as the server does and compare the SL1 request bodies with
                                <name>.expected.json; exit 1 with a diff on any difference; --update writes them
  render <name> <payload.json>  print the message a payload renders to (name: github or github.push)
  render <payload.json> --header 'X-GitHub-Event: push'
                                identify the source and event from headers/body like the server does
  dlq list [--json]             show the dead-letter file
  dlq replay (--id ID | --all) [--yes]
                                send dead-lettered alerts to SL1 again; removes exactly those SL1 accepted
  completion bash|zsh           print a shell completion script (source <(genhook completion bash))

Options:
  --settings PATH   settings file (env GENHOOK_SETTINGS, default ./settings.ini)
  --webhooks PATH   webhooks file (env GENHOOK_WEBHOOKS, default ./webhooks.ini)
  --header 'Name: value'  (render; repeatable)
  --version         print the version
  -h, --help        this text; genhook <command> --help for one command
`;

const COMMON = `  --settings PATH   settings file (env GENHOOK_SETTINGS, default ./settings.ini)
  --webhooks PATH   webhooks file (env GENHOOK_WEBHOOKS, default ./webhooks.ini)
`;

/** `genhook <command> --help`: what that command does and takes. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: `Usage: genhook serve [--settings PATH] [--webhooks PATH]\n\nRuns the webhook receiver. SIGHUP reloads the configuration (and ends an SL1 auth pause); SIGTERM drains and exits.\n\n${COMMON}`,
  check: `Usage: genhook check [--strict] [--fixtures DIR]\n\nValidates settings.ini and webhooks.ini (every value serve would refuse, TLS files included); exit 1 on any error.\nWarns about unknown events and fields, unsigned sources on a public address, SL1 credentials over http://.\n\n  --strict          line warnings are errors\n  --fixtures DIR    payloads to check field paths against (default ./fixtures)\n${COMMON}`,
  test: `Usage: genhook test [--update] [dir]\n\nRenders every fixture in dir (default ./fixtures) and compares with <name>.expected.json; --update writes them.\n\n${COMMON}`,
  render: `Usage: genhook render <name> <payload.json>\n       genhook render <payload.json> --header 'X-GitHub-Event: push'\n\nPrints the message a payload renders to. name: a source (github) or source.event (github.push).\n\n  --header 'Name: value'  request header, repeatable\n${COMMON}`,
  dlq: `Usage: genhook dlq list [--json]\n       genhook dlq replay (--id ID ... | --all) [--yes]\n\nlist: the dead-letter file. replay: sends them to SL1 again with the settings serve uses (settings file plus\nGENHOOK_*), at max_worker_threads at once, one first to check the credentials; stops at the first 401/403;\nremoves exactly those SL1 accepted. --all asks first when run in a terminal; --yes does not ask.\n\n  --id ID           a dead letter's id, repeatable\n  --all             every dead letter\n  --yes             do not ask before --all\n  --json            list: one JSON object per line\n${COMMON}`,
  completion: `Usage: genhook completion bash|zsh\n\nPrints a shell completion script: source <(genhook completion bash)\n`,
};

/** A mistake in how genhook was called: said in one line with a pointer to --help, exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(`genhook ${GENHOOK_VERSION}\n`);
    return 0;
  }
  if (command === 'help' && args[0] !== undefined && COMMAND_HELP[args[0]] !== undefined) {
    process.stdout.write(COMMAND_HELP[args[0]] ?? USAGE);
    return 0;
  }
  if (values.help && command !== undefined && COMMAND_HELP[command] !== undefined) {
    process.stdout.write(COMMAND_HELP[command] ?? USAGE);
    return 0;
  }
  return runCommand(command, args, values);
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      settings: { type: 'string' },
      webhooks: { type: 'string' },
      header: { type: 'string', multiple: true },
      id: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      update: { type: 'boolean' },
      strict: { type: 'boolean' },
      fixtures: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
      yes: { type: 'boolean', short: 'y' },
    },
  });
}

async function runCommand(command: string | undefined, args: readonly string[], values: ReturnType<typeof parseCommandLine>['values']): Promise<number> {
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'completion') return completionCommand(args);
  const files = {
    settingsFile: values.settings ?? process.env['GENHOOK_SETTINGS'] ?? 'settings.ini',
    webhooksFile: values.webhooks ?? process.env['GENHOOK_WEBHOOKS'] ?? 'webhooks.ini',
    env: process.env,
  };
  switch (command) {
    case 'serve':
      return serveCommand(files);
    case 'check':
      return checkCommand(files, { isStrict: values.strict === true, fixturesDir: values.fixtures ?? 'fixtures' });
    case 'test':
      return goldenTestCommand(await loadServingConfig(files).then((loaded) => loaded.config), args[0] ?? 'fixtures', values.update === true, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      });
    case 'render':
      return renderCommand(await loadServingConfig(files).then((loaded) => loaded.config), args, values.header ?? []);
    case 'dlq':
      return dlqCommand(await loadServingConfig(files).then((loaded) => loaded.config), args, values);
    default:
      throw new UsageError(`unknown command "${command}"; commands: serve, check, test, render, dlq, completion`);
  }
}

function completionCommand(args: readonly string[]): number {
  const [shell] = args;
  if (!SHELLS.includes(shell as Shell)) {
    process.stderr.write(`genhook completion: expected one of ${SHELLS.join(', ')}${shell === undefined ? '' : `, got "${shell}"`}\n`);
    return 2;
  }
  process.stdout.write(completionScript(shell as Shell));
  return 0;
}

async function serveCommand(files: Parameters<typeof startGenHook>[0]): Promise<number> {
  const index = workerIndex();
  if (index === undefined) {
    const { config } = await loadServingConfig(files);
    const count = workerCount(config.settings.workers);
    checkWorkers(count, config.settings.redis_url, config.settingsFile);
    if (count > 1) {
      const { settings } = config;
      const logger = createLogger({ level: settings.log_level, pretty: settings.log_pretty });
      return runPrimary({ count, dataDir: resolvePaths(config).dataDir, logger });
    }
  }
  const genhook = await startGenHook({ ...files, workerIndex: index });
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      // Everything acknowledged is already journaled (fsync'ed), so leaving now loses nothing.
      genhook.logger.warn({ signal }, 'second signal: exiting now; queued alerts stay in the journal');
      process.exit(1);
    }
    genhook.logger.info({ signal }, 'signal received: stopping');
    genhook.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        genhook.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  // A worker's Ctrl-C (sent to the whole process group) is the primary's to handle: it asks each worker to drain.
  process.on('SIGINT', index === undefined ? stop : () => undefined);
  // SIGHUP: re-read settings.ini and webhooks.ini; an invalid result is logged and the running config stays.
  process.on('SIGHUP', () => {
    genhook.logger.info({ signal: 'SIGHUP' }, 'signal received: reloading the configuration');
    genhook.reload('sighup').catch((error: unknown) => genhook.logger.error({ err: error }, 'configuration reload failed'));
  });
  return new Promise<number>(() => {
    // Runs until a signal ends the process.
  });
}

async function checkCommand(
  files: { settingsFile: string; webhooksFile: string; env: NodeJS.ProcessEnv },
  options: { readonly isStrict: boolean; readonly fixturesDir: string },
): Promise<number> {
  try {
    const { config, warnings, disabled, webhooksText } = await loadServingConfig(files);
    // serve reads them at listen time; a missing or non-PEM file is found here first.
    await readTlsFiles(config);
    const lineWarnings = await checkLines(config, { webhooksText, fixturesDir: options.fixturesDir });
    const all = [...warnings, ...lineWarnings];
    for (const warning of all) process.stderr.write(`${options.isStrict ? 'error' : 'warning'}: ${formatConfigIssue(warning)}\n`);
    // Not made errors by --strict: they describe exposure, not a broken line.
    for (const warning of exposureWarnings(config)) process.stderr.write(`warning: ${warning.message}\n`);
    for (const summary of config.rules.summarize()) {
      const state = disabled.has(summary.source) ? ' - disabled (;disabled; lines)' : '';
      process.stdout.write(`${summary.source}: ${summary.count} line${summary.count === 1 ? '' : 's'} (${summary.names.join(', ')})${state}\n`);
    }
    if (options.isStrict && all.length > 0) {
      process.stderr.write(`${all.length} warning${all.length === 1 ? '' : 's'} found (--strict makes them errors)\n`);
      return 1;
    }
    process.stdout.write(`${files.webhooksFile} and ${files.settingsFile} are valid${all.length > 0 ? ` (${all.length} warning${all.length === 1 ? '' : 's'})` : ''}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found\n`);
    return 1;
  }
}

async function renderCommand(config: RuntimeConfig, args: readonly string[], headerArgs: readonly string[]): Promise<number> {
  const [first, second] = args;
  const file = second ?? first;
  const name = second === undefined ? undefined : first;
  if (file === undefined) {
    process.stderr.write('genhook render: expected <name> <payload.json> or <payload.json> --header ...\n');
    return 2;
  }
  const headers = parseHeaderArgs(headerArgs);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    process.stderr.write(`genhook render: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}\n`);
    return 1;
  }
  let body: unknown;
  try {
    body = parseJsonSafe(text, { maxDepth: config.settings.max_json_depth });
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    process.stderr.write(`genhook render: ${file} is not usable JSON: ${error.message}\n`);
    return 1;
  }
  const view: RequestView = { method: 'POST', headers, body };

  const sourceName = name?.split('.')[0]?.toLowerCase() ?? sourceOf(config, view);
  const source = sourceName === undefined ? undefined : config.sources.get(sourceName);
  if (!source) {
    process.stderr.write(`genhook render: no line for source "${sourceName ?? '(not identified)'}"; known: ${config.rules.sources().join(', ')}\n`);
    return 1;
  }
  const dot = name?.indexOf('.') ?? -1;
  const event = name !== undefined && dot > 0 ? name.slice(dot + 1) : undefined;
  let status = 0;
  for (const item of source.reading.items(view)) {
    const resolved = resolveItem(config.rules, source, view, item, { ...renderOptionsFrom(config.settings), event });
    if (resolved.kind !== 'rendered') {
      process.stderr.write(`${source.name}${resolved.event ? `.${resolved.event}` : ''}: ${resolved.reason}\n`);
      status = 1;
      continue;
    }
    process.stdout.write(`${resolved.message}\n`);
    if (resolved.missing.length > 0) process.stderr.write(`(${resolved.ruleName}) missing in payload: ${resolved.missing.join(', ')}\n`);
  }
  return status;
}

function sourceOf(config: RuntimeConfig, view: RequestView): string | undefined {
  const provider = identifySource(view);
  return provider === undefined ? undefined : config.sourceByProvider.get(provider);
}

function parseHeaderArgs(headerArgs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const text of headerArgs) {
    const colon = text.indexOf(':');
    if (colon > 0) headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return headers;
}

async function dlqCommand(
  config: RuntimeConfig,
  args: readonly string[],
  options: ReplayFlags & { json?: boolean | undefined },
): Promise<number> {
  const { settings } = config;
  if (settings.redis_url !== undefined) return dlqRedisCommand(config, settings.redis_url, args, options);
  const path = resolvePaths(config).deadLetterFile;
  const [action] = args;
  if (action === 'list') {
    const { entries, skipped } = await readDeadLetters(path);
    for (const entry of entries) {
      process.stdout.write(
        options.json
          ? `${JSON.stringify(entry)}\n`
          : // A payload's ESC sequences or CR must not paint fake lines on the operator's terminal.
            `${[entry.id, entry.deadLetteredAt, entry.reason, `attempts=${entry.attempts}`, `status=${entry.status ?? '-'}`, entry.message].map((field) => escapeForTerminal(String(field))).join('\t')}\n`,
      );
    }
    for (const line of skipped) process.stderr.write(`${path}: unreadable line at byte ${line.offset} skipped\n`);
    process.stderr.write(`${entries.length} dead-lettered alert${entries.length === 1 ? '' : 's'} in ${path}\n`);
    return 0;
  }
  if (action === 'replay') return replayCommand(config, path, options);
  process.stderr.write('genhook dlq: expected "list" or "replay"\n');
  return 2;
}

/** With redis_url the dead letters of every replica are one Redis stream: list it, or replay and remove what SL1 accepts. */
async function dlqRedisCommand(
  config: RuntimeConfig,
  url: string,
  args: readonly string[],
  options: { id?: string[] | undefined; all?: boolean | undefined; json?: boolean | undefined },
): Promise<number> {
  const { settings } = config;
  const [action] = args;
  if (action !== 'list' && action !== 'replay') {
    process.stderr.write('genhook dlq: expected "list" or "replay"\n');
    return 2;
  }
  const ids = new Set(options.id ?? []);
  if (action === 'replay' && !options.all && ids.size === 0) {
    process.stderr.write('genhook dlq replay: say which: --id ID (repeatable) or --all\n');
    return 2;
  }
  const target = sl1Target(settings);
  const missing = target.url === undefined ? 'sl1_api_url' : target.username === '' ? 'sl1_username' : target.password === '' ? 'sl1_password' : undefined;
  if (action === 'replay' && missing !== undefined) {
    process.stderr.write(`genhook dlq replay: ${missing} is not set (in ${config.settingsFile} or GENHOOK_${missing.toUpperCase()}); nothing was sent\n`);
    return 2;
  }
  const dead = await openRedisDeadLetters(url, settings.redis_prefix);
  try {
    const rows = await dead.list();
    const where = `Redis ${redactUrl(url)} (${dead.key})`;
    if (action === 'list') {
      for (const { entry } of rows) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify(entry)}\n`
            : `${[entry.id, entry.deadLetteredAt, entry.reason, `attempts=${entry.attempts}`, `status=${entry.status ?? '-'}`, entry.message].map((field) => escapeForTerminal(String(field))).join('\t')}\n`,
        );
      }
      process.stderr.write(`${rows.length} dead-lettered alert${rows.length === 1 ? '' : 's'} in ${where}\n`);
      return 0;
    }
    const client = createSl1Client({
      url: target.url ?? '',
      username: target.username,
      password: target.password,
      connections: 1,
      timeoutMs: settings.sl1_timeout,
    });
    let sent = 0;
    let failed = 0;
    const accepted: string[] = [];
    try {
      for (const row of rows) {
        if (options.all !== true && !ids.has(row.entry.id)) continue;
        sent++;
        const response = await client.send(toAlert(row.entry)).catch((error: unknown) => ({ status: 0, bodyExcerpt: String(error) }));
        const isAccepted = response.status >= 200 && response.status < 300;
        process.stderr.write(`${escapeForTerminal(row.entry.id)}: SL1 answered ${response.status}${isAccepted ? '' : ` ${escapeForTerminal(response.bodyExcerpt.slice(0, 120))}`}\n`);
        if (isAccepted) accepted.push(row.streamId);
        else failed++;
        if (response.status === 401 || response.status === 403) {
          process.stderr.write(`genhook dlq replay: SL1 refused the credentials (${response.status}): stopped so the account is not locked; fix sl1_username / sl1_password and replay again\n`);
          break;
        }
      }
    } finally {
      await client.close();
    }
    // Removed only once SL1 accepted them: a replay that fails half-way leaves the rest to try again.
    await dead.remove(accepted);
    process.stdout.write(`sent ${sent}, accepted ${accepted.length}, failed ${failed}, remaining in ${where} ${rows.length - accepted.length}\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await dead.close();
  }
}

interface ReplayFlags {
  readonly id?: string[] | undefined;
  readonly all?: boolean | undefined;
  readonly yes?: boolean | undefined;
}

/**
 * As careful with the SL1 account as the server: the settings serve uses, nothing sent without a URL and
 * credentials, one alert first to check them, the rest at max_worker_threads, and a stop at the first 401/403.
 */
async function replayCommand(config: RuntimeConfig, path: string, options: ReplayFlags): Promise<number> {
  const ids = new Set(options.id ?? []);
  if (!options.all && ids.size === 0) throw new UsageError('dlq replay: say which: --id ID (repeatable) or --all');
  const target = sl1Target(config.settings);
  const missing = target.url === undefined ? 'sl1_api_url' : target.username === '' ? 'sl1_username' : target.password === '' ? 'sl1_password' : undefined;
  if (missing !== undefined) {
    process.stderr.write(`genhook dlq replay: ${missing} is not set (in ${config.settingsFile} or GENHOOK_${missing.toUpperCase()}); nothing was sent\n`);
    return 2;
  }
  const select = (entry: { id: string }) => options.all === true || ids.has(entry.id);
  if (options.all && !options.yes && process.stdout.isTTY) {
    const count = (await readDeadLetters(path)).entries.filter(select).length;
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question(`Send ${count} dead-lettered alert${count === 1 ? '' : 's'} to ${redactUrlPasswords(target.url ?? '')}? [y/N] `).finally(() => prompt.close());
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('genhook dlq replay: nothing sent\n');
      return 1;
    }
  }
  const concurrency = config.settings.max_worker_threads;
  const client = createSl1Client({ url: target.url ?? '', username: target.username, password: target.password, connections: concurrency, timeoutMs: config.settings.sl1_timeout });
  let firstAnswer: Promise<void> | undefined;
  let refused: { status: number; detail: string } | undefined;
  let notSent = 0;
  try {
    const result = await replayDeadLetters({
      path,
      select,
      concurrency,
      send: async (entry) => {
        if (firstAnswer !== undefined) await firstAnswer;
        if (refused !== undefined) {
          notSent++;
          return false;
        }
        let answered: (() => void) | undefined;
        firstAnswer ??= new Promise<void>((resolve) => (answered = resolve));
        try {
          const response = await client.send(toAlert(entry));
          const isAccepted = response.status >= 200 && response.status < 300;
          if (response.status === 401 || response.status === 403) {
            refused ??= { status: response.status, detail: response.em7Headers['x-em7-status-message'] ?? '' };
          }
          process.stderr.write(`${escapeForTerminal(entry.id)}: SL1 answered ${response.status}${isAccepted ? '' : ` ${escapeForTerminal(response.bodyExcerpt.slice(0, 120))}`}\n`);
          return isAccepted;
        } finally {
          answered?.();
        }
      },
    });
    if (refused !== undefined) {
      process.stderr.write(
        `genhook dlq replay: SL1 refused the credentials (${refused.status}${refused.detail === '' ? '' : `, ${refused.detail}`}): stopped so the account is not locked; ` +
          `${notSent} not sent. Fix sl1_username / sl1_password (or GENHOOK_SL1_PASSWORD) and replay again\n`,
      );
    }
    process.stdout.write(`sent ${result.sent - notSent}, accepted ${result.accepted}, failed ${result.failed - notSent}, not sent ${notSent}, remaining in file ${result.remaining}\n`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

/** `genhook … | head` closes the pipe early: that is the reader's choice, not an error. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}
exitQuietlyOnClosedPipe(process.stdout);
exitQuietlyOnClosedPipe(process.stderr);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`genhook: ${error.message}\nRun genhook --help (or genhook <command> --help) for usage.\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof ConfigError) {
      for (const issue of error.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
      process.stderr.write('GenHook did not start: fix the configuration above (run `genhook check` to validate)\n');
    } else if ((error as { code?: unknown } | null)?.code === 'listen_failed') {
      process.stderr.write(`GenHook did not start: ${(error as Error).message}\n`);
    } else if (error instanceof StartError || (error instanceof StoreError && error.code === 'data_dir_locked') || (error instanceof Error && (error as { code?: unknown }).code === 'redis_unreachable')) {
      process.stderr.write(`GenHook did not start: ${(error as Error).message.replace(/^\[store\] /, '')}\n`);
    } else {
      process.stderr.write(`genhook: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
