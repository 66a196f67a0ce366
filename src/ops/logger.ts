/**
 * pino, set up once from settings: JSON lines to stdout or to a rotated file (pino-roll), pretty output
 * when a person runs GenHook in a terminal, and redaction of every header and setting that can hold a secret.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { describeSettings, type Settings } from '../config/settings.js';

export type { Logger };

/** Header and field paths that may hold credentials; pino compiles these once. */
export const REDACT_PATHS = [
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["x-hub-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["stripe-signature"]',
  'headers["x-slack-signature"]',
  'headers["x-shopify-hmac-sha256"]',
  'headers["shopify-hmac-sha256"]',
  'headers["sentry-hook-signature"]',
  'headers["x-pagerduty-signature"]',
  'headers["x-api-key"]',
  '*.sharedSecret',
  'sharedSecret',
  'sl1_password',
  'admin_token',
  'settings.sl1_password',
  'settings.admin_token',
  'password',
  'secret',
  'secrets',
  'token',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.token',
] as const;

/**
 * A `settings` object logged as is would print every `<source>_secret`; pino paths cannot match a key
 * suffix, so the whole value goes through `describeSettings` (secrets replaced) instead.
 */
function serializeSettings(value: unknown): unknown {
  const isSettings = typeof value === 'object' && value !== null && (value as Partial<Settings>).sources instanceof Map;
  return isSettings ? describeSettings(value as Settings) : value;
}

export interface LoggerSettings {
  readonly level: string;
  readonly file?: string | undefined;
  readonly maxSizeBytes?: number;
  readonly rotation?: 'daily' | 'hourly' | 'none';
  /** Rotated files kept besides the active one; older ones are deleted so logs cannot fill the disk. @default 10 */
  readonly maxFiles?: number;
  readonly pretty?: 'auto' | 'true' | 'false';
}

export function createLogger(options: LoggerSettings, destination?: pino.DestinationStream): Logger {
  const base: LoggerOptions = {
    level: options.level,
    base: { service: 'genhook' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: { settings: serializeSettings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(base, destination);
  if (options.file) {
    const frequency = options.rotation === 'none' ? undefined : options.rotation;
    // Made here, synchronously, so the transport's worker never races to create it.
    mkdirSync(dirname(options.file), { recursive: true });
    const transport = pino.transport({
      target: 'pino-roll',
      options: {
        file: options.file,
        size: `${Math.max(1, Math.round((options.maxSizeBytes ?? 100 * 1024 ** 2) / 1024))}k`,
        ...(frequency ? { frequency } : {}),
        mkdir: true,
        limit: { count: options.maxFiles ?? 10, removeOtherLogFiles: true },
      },
    });
    // A log file that cannot be written must not take the webhook receiver down with it.
    transport.on('error', (error: Error) => process.stderr.write(`genhook: log file ${options.file} failed: ${error.message}\n`));
    return pino(base, transport);
  }
  const isPretty = options.pretty === 'true' || (options.pretty !== 'false' && process.stdout.isTTY === true);
  if (isPretty) {
    return pino(base, pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }));
  }
  return pino(base, pino.destination({ dest: 1, sync: false }));
}

type LogLevelName = 'debug' | 'info' | 'warn' | 'error';
type LogMethod = (details: object, message: string) => void;

/** A child logger that is only made when a line at an enabled level is written. */
export type LazyLogger = Readonly<Record<LogLevelName, LogMethod>> & { readonly child: () => Logger };

/**
 * pino's `child()` compiles its bindings (and redaction) on every call; most requests log nothing below the
 * configured level, so the per-request child is made on first use instead.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown> | (() => Record<string, unknown>)): LazyLogger {
  let made: Logger | undefined;
  // A function: the bindings themselves are only gathered for a request that writes a line.
  const child = (): Logger => (made ??= logger.child(typeof bindings === 'function' ? bindings() : bindings));
  const at = (level: LogLevelName): LogMethod => (details, message) => {
    if (logger.isLevelEnabled(level)) child()[level](details, message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child };
}
