#!/usr/bin/env node
/**
 * The `genhook` command (see cli/main.ts for the commands, cli/usage.ts for --help). Flags --settings/--webhooks,
 * or GENHOOK_SETTINGS/GENHOOK_WEBHOOKS; defaults ./settings.ini and ./webhooks.ini.
 */
import { main, reportFailure } from './cli/main.js';
import { EXIT } from './errors/index.js';

/** `genhook … | head` closes the pipe early: that is the reader's choice, not an error. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
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
    process.exitCode = reportFailure(error);
  },
);
