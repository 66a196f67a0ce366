/**
 * settings.ini and webhooks.ini for a benchmark GenHook child, written into a temp dir. The webhook lines
 * are the repo's own; the source-count scaling adds synthetic lines in front of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL_MODES = ['fsync', 'write', 'off'] as const;
export type JournalMode = (typeof JOURNAL_MODES)[number];

export interface GenhookConfig {
  readonly port: number;
  readonly secret: string;
  readonly dataDir: string;
  /** Unset means log mode (alerts logged, not sent). */
  readonly sl1Url?: string;
  /** @default 'fsync' (GenHook's own default) */
  readonly journalMode?: JournalMode;
  /** @default 10000 (GenHook's own default) */
  readonly queueMaxSize?: number;
  /** @default 50 (GenHook's own default) */
  readonly maxWorkerThreads?: number;
  /** Long enough that a paused SL1 holds its deliveries instead of timing them out. @default '30s' */
  readonly sl1Timeout?: string;
  /** `github_dedup`; unset keeps GenHook's default (both, with a secret). */
  readonly dedup?: 'id' | 'body' | 'both';
  /** `workers`; unset keeps 1. More than one needs `redisUrl`. */
  readonly workers?: 'auto' | number;
  readonly redisUrl?: string;
}

/** Writes settings.ini; everything not named here keeps GenHook's default, so this is its real configuration. */
export function writeSettings(dir: string, config: GenhookConfig): string {
  const lines = [
    '[server]',
    'server_host = 127.0.0.1',
    `server_port = ${config.port}`,
    '[sl1]',
    ...(config.sl1Url === undefined ? [] : [`sl1_api_url = ${config.sl1Url}`, 'sl1_username = bench', 'sl1_password = bench']),
    `sl1_timeout = ${config.sl1Timeout ?? '30s'}`,
    '[queue]',
    `data_dir = ${config.dataDir}`,
    `journal_mode = ${config.journalMode ?? 'fsync'}`,
    `queue_max_size = ${config.queueMaxSize ?? 10_000}`,
    `max_worker_threads = ${config.maxWorkerThreads ?? 50}`,
    // The bench stops its children with SIGTERM; a long drain would only slow it down.
    'shutdown_grace_period = 1s',
    ...(config.workers === undefined ? [] : [`workers = ${config.workers}`]),
    ...(config.redisUrl === undefined ? [] : [`redis_url = ${config.redisUrl}`]),
    '[sources]',
    `github_secret = ${config.secret}`,
    ...(config.dedup === undefined ? [] : [`github_dedup = ${config.dedup}`]),
    '[logging]',
    // Quiet logs: the bench measures the webhook path, not a terminal.
    'log_level = warn',
    '',
  ];
  const file = join(dir, 'settings.ini');
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** The repo's webhooks.ini, unchanged: the realistic configuration. */
export function repoWebhooksFile(): string {
  return join(process.cwd(), 'webhooks.ini');
}

/**
 * A webhooks.ini with `syntheticLines` lines for made-up sources (`src0.event_0` ...) ahead of the repo's GitHub
 * lines, so identifying GitHub and finding `github.push` happen among that many configured lines.
 */
export function writeScaledWebhooks(dir: string, syntheticLines: number): string {
  const githubLines = readFileSync(repoWebhooksFile(), 'utf8')
    .split('\n')
    .filter((line) => /^github[.:[\s]/.test(line));
  const synthetic = Array.from({ length: syntheticLines }, (_, i) =>
    `src${i}.event_${i % 17}: action,object{id,name},level::Src${i} $action$ $object.name$ ($object.id$) level $level$`);
  const file = join(dir, `webhooks-${syntheticLines}.ini`);
  writeFileSync(file, ['[webhooks]', ...synthetic, ...githubLines, ''].join('\n'));
  return file;
}

/** Lines of a webhooks file that define a rule, for the report. */
export function countRuleLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((line) => /^[A-Za-z0-9]/.test(line)).length;
}
