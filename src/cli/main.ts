/**
 * `genhook serve | check | test | render | dlq list | dlq replay | completion`: which command runs, and how a
 * failure is told (one line for a user's mistake, never a stack trace for one).
 */
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { loadServingConfig } from '../config/index.js';
import { ConfigError, EXIT, formatConfigIssue } from '../errors/index.js';
import { goldenTestCommand } from '../golden/test-command.js';
import { GENHOOK_VERSION } from '../ops/version.js';
import { StartError } from '../server.js';
import { StoreError } from '../store/index.js';
import { checkCommand } from './check.js';
import { dlqCommand } from './dlq.js';
import { configFilesOf, parseCommandLine, type Flags } from './flags.js';
import { renderCommand } from './render.js';
import { serveCommand } from './serve.js';
import { COMMAND_HELP, USAGE, UsageError } from './usage.js';

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(`genhook ${GENHOOK_VERSION}\n`);
    return EXIT.ok;
  }
  const helpFor = command === 'help' ? args[0] : values.help ? command : undefined;
  if (helpFor !== undefined && COMMAND_HELP[helpFor] !== undefined) {
    process.stdout.write(COMMAND_HELP[helpFor] ?? USAGE);
    return EXIT.ok;
  }
  return runCommand(command, args, values);
}

async function runCommand(command: string | undefined, args: readonly string[], flags: Flags): Promise<number> {
  if (flags.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !flags.help ? EXIT.usage : EXIT.ok;
  }
  if (command === 'completion') return completionCommand(args);
  const files = configFilesOf(flags);
  const config = async () => (await loadServingConfig(files)).config;
  switch (command) {
    case 'serve':
      return serveCommand(files);
    case 'check':
      return checkCommand(files, { isStrict: flags.strict === true, fixturesDir: flags.fixtures ?? 'fixtures' });
    case 'test':
      return goldenTestCommand(await config(), args[0] ?? 'fixtures', flags.update === true, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      });
    case 'render':
      return renderCommand(await config(), args, flags.header ?? []);
    case 'dlq':
      return dlqCommand(await config(), args, flags);
    default:
      throw new UsageError(`unknown command "${command}"; commands: serve, check, test, render, dlq, completion`);
  }
}

function completionCommand(args: readonly string[]): number {
  const [shell] = args;
  if (!SHELLS.includes(shell as Shell)) {
    process.stderr.write(`genhook completion: expected one of ${SHELLS.join(', ')}${shell === undefined ? '' : `, got "${shell}"`}\n`);
    return EXIT.usage;
  }
  process.stdout.write(completionScript(shell as Shell));
  return EXIT.ok;
}

/** What a failed command prints; exit 2 for a usage mistake, 1 otherwise. */
export function reportFailure(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`genhook: ${error.message}\nRun genhook --help (or genhook <command> --help) for usage.\n`);
    return EXIT.usage;
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
  return EXIT.failed;
}
