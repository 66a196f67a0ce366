/**
 * `genhook dlq replay`, one code path for the dead-letter file and the Redis stream. As careful with the SL1
 * account as the server: the settings serve uses, nothing sent without a URL and credentials, a question before
 * --all on a terminal, one alert first to check the credentials, the rest at max_worker_threads, and a stop at
 * the first 401/403. --rerender renders each entry anew from its stored request with today's lines.
 */
import type { Alert } from '../alert.js';
import { redactUrlPasswords, sl1Target, type RuntimeConfig } from '../config/index.js';
import { rerenderDeadLetter, toAlert, type DeadLetterEntry } from '../dead-letter/index.js';
import { createSl1Client } from '../deliver/sl1-client.js';
import { escapeForTerminal } from '../render/index.js';
import { confirm } from './prompt.js';
import { UsageError } from './usage.js';
import { EXIT } from '../errors/index.js';

export interface ReplayFlags {
  readonly id?: string[] | undefined;
  readonly all?: boolean | undefined;
  readonly yes?: boolean | undefined;
  readonly rerender?: boolean | undefined;
}

/** Where the dead letters are kept: it sends the selected ones through `send` and removes those accepted. */
export interface DeadLetterPlace {
  /** Said in the summary: `file`, or `Redis <url> (<key>)`. */
  readonly where: string;
  count(select: (entry: DeadLetterEntry) => boolean): Promise<number>;
  replay(
    select: (entry: DeadLetterEntry) => boolean,
    send: (entry: DeadLetterEntry) => Promise<boolean>,
    concurrency: number,
  ): Promise<{ readonly sent: number; readonly accepted: number; readonly remaining: number }>;
}

export async function replayCommand(config: RuntimeConfig, place: DeadLetterPlace, flags: ReplayFlags): Promise<number> {
  const ids = new Set(flags.id ?? []);
  if (!flags.all && ids.size === 0) throw new UsageError('dlq replay: say which: --id ID (repeatable) or --all');
  const target = sl1Target(config.settings);
  const missing = target.url === undefined ? 'sl1_api_url' : target.username === '' ? 'sl1_username' : target.password === '' ? 'sl1_password' : undefined;
  if (missing !== undefined) {
    process.stderr.write(`genhook dlq replay: ${missing} is not set (in ${config.settingsFile} or GENHOOK_${missing.toUpperCase()}); nothing was sent\n`);
    return EXIT.usage;
  }
  const select = (entry: DeadLetterEntry): boolean => flags.all === true || ids.has(entry.id);
  if (flags.all && !flags.yes && process.stdout.isTTY) {
    const count = await place.count(select);
    const how = flags.rerender ? ' re-rendered with today\'s lines' : '';
    if (!(await confirm(`Send ${count} dead-lettered alert${count === 1 ? '' : 's'}${how} to ${redactUrlPasswords(target.url ?? '')}?`))) {
      process.stderr.write('genhook dlq replay: nothing sent\n');
      return EXIT.failed;
    }
  }
  const concurrency = config.settings.max_worker_threads;
  const client = createSl1Client({ url: target.url ?? '', username: target.username, password: target.password, connections: concurrency, timeoutMs: config.settings.sl1_timeout });
  const tally = { notSent: 0, notRendered: 0, noPayload: 0, rerendered: 0 };
  let firstAnswer: Promise<void> | undefined;
  let refused: { status: number; detail: string } | undefined;
  const send = async (entry: DeadLetterEntry): Promise<boolean> => {
    const alert = flags.rerender ? rerendered(config, entry, tally) : toAlert(entry);
    if (alert === undefined) return false;
    if (firstAnswer !== undefined) await firstAnswer;
    if (refused !== undefined) {
      tally.notSent++;
      return false;
    }
    let answered: (() => void) | undefined;
    firstAnswer ??= new Promise<void>((resolve) => (answered = resolve));
    try {
      const response = await client.send(alert).catch((error: unknown) => ({ status: 0, bodyExcerpt: String(error), em7Headers: {} as Record<string, string> }));
      const isAccepted = response.status >= 200 && response.status < 300;
      if (response.status === 401 || response.status === 403) refused ??= { status: response.status, detail: response.em7Headers['x-em7-status-message'] ?? '' };
      process.stderr.write(`${escapeForTerminal(entry.id)}: SL1 answered ${response.status}${isAccepted ? '' : ` ${escapeForTerminal(response.bodyExcerpt.slice(0, 120))}`}\n`);
      return isAccepted;
    } finally {
      answered?.();
    }
  };
  try {
    const result = await place.replay(select, send, concurrency);
    if (refused !== undefined) {
      process.stderr.write(
        `genhook dlq replay: SL1 refused the credentials (${refused.status}${refused.detail === '' ? '' : `, ${refused.detail}`}): stopped so the account is not locked; ` +
          `${tally.notSent} not sent. Fix sl1_username / sl1_password (or GENHOOK_SL1_PASSWORD) and replay again\n`,
      );
    }
    const held = tally.notSent + tally.notRendered;
    const rerender = flags.rerender ? `, not re-rendered ${tally.notRendered} (${tally.noPayload} without a stored payload)` : '';
    process.stdout.write(
      `sent ${result.sent - held}, accepted ${result.accepted}, failed ${result.sent - held - result.accepted}, not sent ${tally.notSent}${rerender}, remaining in ${place.where} ${result.remaining}\n`,
    );
    return result.accepted < result.sent ? EXIT.failed : EXIT.ok;
  } finally {
    await client.close();
  }
}

/** The entry rendered anew, or undefined (said on stderr, counted) when it cannot be the one alert it was. */
function rerendered(config: RuntimeConfig, entry: DeadLetterEntry, tally: { notRendered: number; noPayload: number; rerendered: number }): Alert | undefined {
  const result = rerenderDeadLetter(config, entry);
  if (result.kind === 'rendered') {
    tally.rerendered++;
    if (result.changed) process.stderr.write(`${escapeForTerminal(entry.id)}: re-rendered: ${escapeForTerminal(result.alert.message.slice(0, 120))}\n`);
    return result.alert;
  }
  tally.notRendered++;
  if (result.noPayload) tally.noPayload++;
  process.stderr.write(`${escapeForTerminal(entry.id)}: not re-rendered, not sent: ${escapeForTerminal(result.reason)}\n`);
  return undefined;
}
