#!/usr/bin/env node
/**
 * `genhook serve | check | test | render | dlq list | dlq replay`. Flags --settings/--webhooks, or the environment
 * variables GENHOOK_SETTINGS/GENHOOK_WEBHOOKS; defaults ./settings.ini and ./webhooks.ini.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, formatConfigIssue } from './errors/index.js';
import { exposureWarnings, loadServingConfig, resolvePaths, sl1Target } from './config/index.js';
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
  dlq replay (--id ID | --all)  send dead-lettered alerts to SL1 again; removes exactly those SL1 accepted
  completion bash|zsh           print a shell completion script (source <(genhook completion bash))

Options:
  --settings PATH   settings file (env GENHOOK_SETTINGS, default ./settings.ini)
  --webhooks PATH   webhooks file (env GENHOOK_WEBHOOKS, default ./webhooks.ini)
  --header 'Name: value'  (render; repeatable)
`;

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
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
    },
  });
  const [command, ...args] = positionals;
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
      process.stderr.write(`genhook: unknown command "${command}"\n\n${USAGE}`);
      return 2;
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
  const body = parseJsonSafe(await readFile(file, 'utf8'), { maxDepth: config.settings.max_json_depth });
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
  options: { id?: string[] | undefined; all?: boolean | undefined; json?: boolean | undefined },
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
  if (action === 'replay') {
    const ids = new Set(options.id ?? []);
    if (!options.all && ids.size === 0) {
      process.stderr.write('genhook dlq replay: say which: --id ID (repeatable) or --all\n');
      return 2;
    }
    if (!settings.sl1_api_url) {
      process.stderr.write(`genhook dlq replay: sl1_api_url is not set in ${config.settingsFile}; nothing to send to\n`);
      return 1;
    }
    const client = createSl1Client({
      url: settings.sl1_api_url,
      username: settings.sl1_username ?? '',
      password: settings.sl1_password ?? '',
      connections: 1,
      timeoutMs: settings.sl1_timeout,
    });
    try {
      const result = await replayDeadLetters({
        path,
        select: (entry) => options.all === true || ids.has(entry.id),
        send: async (entry) => {
          const response = await client.send(toAlert(entry));
          const isAccepted = response.status >= 200 && response.status < 300;
          process.stderr.write(`${entry.id}: SL1 answered ${response.status}${isAccepted ? '' : ` ${response.bodyExcerpt.slice(0, 120)}`}\n`);
          return isAccepted;
        },
      });
      process.stdout.write(`sent ${result.sent}, accepted ${result.accepted}, failed ${result.failed}, remaining in file ${result.remaining}\n`);
      return result.failed > 0 ? 1 : 0;
    } finally {
      await client.close();
    }
  }
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
  if (action === 'replay' && !settings.sl1_api_url) {
    process.stderr.write(`genhook dlq replay: sl1_api_url is not set in ${config.settingsFile}; nothing to send to\n`);
    return 1;
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
      url: settings.sl1_api_url ?? '',
      username: settings.sl1_username ?? '',
      password: settings.sl1_password ?? '',
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      for (const issue of error.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
      process.stderr.write('GenHook did not start: fix the configuration above (run `genhook check` to validate)\n');
    } else if (error instanceof StartError || (error instanceof StoreError && error.code === 'data_dir_locked') || (error instanceof Error && (error as { code?: unknown }).code === 'redis_unreachable')) {
      process.stderr.write(`GenHook did not start: ${(error as Error).message.replace(/^\[store\] /, '')}\n`);
    } else {
      process.stderr.write(`genhook: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
