/** `genhook dlq list|replay`: the dead-letter file, or with redis_url the Redis stream every replica shares. */
import type { RuntimeConfig } from '../config/index.js';
import { resolvePaths } from '../config/index.js';
import { encodeAlertJson } from '../alert.js';
import { forEachAtMost, readDeadLetters, replayDeadLetters, type DeadLetterEntry } from '../dead-letter/index.js';
import { openRedisDeadLetters } from '../queue/redis-dead-letters.js';
import { redactUrl } from '../queue/redis-connection.js';
import { escapeForTerminal } from '../render/index.js';
import { replayCommand, type DeadLetterPlace, type ReplayFlags } from './dlq-replay.js';
import { UsageError } from './usage.js';
import { EXIT } from '../errors/index.js';

export async function dlqCommand(config: RuntimeConfig, args: readonly string[], flags: ReplayFlags & { readonly json?: boolean | undefined }): Promise<number> {
  const [action] = args;
  if (action !== 'list' && action !== 'replay') throw new UsageError('dlq: expected "list" or "replay"');
  const url = config.settings.redis_url;
  if (url === undefined) {
    const path = resolvePaths(config).deadLetterFile;
    if (action === 'replay') return replayCommand(config, filePlace(path), flags);
    const { entries, skipped } = await readDeadLetters(path);
    list(entries, flags.json === true);
    for (const line of skipped) process.stderr.write(`${path}: unreadable line at byte ${line.offset} skipped\n`);
    process.stderr.write(`${entries.length} dead-lettered alert${entries.length === 1 ? '' : 's'} in ${path}\n`);
    return EXIT.ok;
  }
  const dead = await openRedisDeadLetters(url, config.settings.redis_prefix);
  try {
    const where = `Redis ${redactUrl(url)} (${dead.key})`;
    const place: DeadLetterPlace = {
      where,
      count: async (select) => (await dead.list()).filter((row) => select(row.entry)).length,
      async replay(select, send, concurrency) {
        const rows = await dead.list();
        const accepted: string[] = [];
        const chosen = rows.filter((row) => select(row.entry));
        await forEachAtMost(chosen, concurrency, async (row) => {
          if (await send(row.entry).catch(() => false)) accepted.push(row.streamId);
        });
        // Removed only once SL1 accepted them: a replay that fails half-way leaves the rest to try again.
        await dead.remove(accepted);
        return { sent: chosen.length, accepted: accepted.length, remaining: rows.length - accepted.length };
      },
    };
    if (action === 'replay') return await replayCommand(config, place, flags);
    const rows = await dead.list();
    list(rows.map((row) => row.entry), flags.json === true);
    process.stderr.write(`${rows.length} dead-lettered alert${rows.length === 1 ? '' : 's'} in ${where}\n`);
    return EXIT.ok;
  } finally {
    await dead.close();
  }
}

function filePlace(path: string): DeadLetterPlace {
  return {
    where: 'file',
    count: async (select) => (await readDeadLetters(path)).entries.filter(select).length,
    async replay(select, send, concurrency) {
      const result = await replayDeadLetters({ path, select, send, concurrency });
      return { sent: result.sent, accepted: result.accepted, remaining: result.remaining };
    },
  };
}

function list(entries: readonly DeadLetterEntry[], isJson: boolean): void {
  for (const entry of entries) {
    process.stdout.write(
      isJson
        ? `${encodeAlertJson(entry)}\n`
        : // A payload's ESC sequences or CR must not paint fake lines on the operator's terminal.
          `${[entry.id, entry.deadLetteredAt, entry.reason, `attempts=${entry.attempts}`, `status=${entry.status ?? '-'}`, entry.message].map((field) => escapeForTerminal(String(field))).join('\t')}\n`,
    );
  }
}
