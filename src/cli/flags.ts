/** The command line, parsed strictly (an unknown flag is a UsageError), and the config files it names. */
import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export function parseCommandLine(argv: readonly string[]) {
  try {
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
        rerender: { type: 'boolean' },
        json: { type: 'boolean' },
        update: { type: 'boolean' },
        strict: { type: 'boolean' },
        fixtures: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        yes: { type: 'boolean', short: 'y' },
      },
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
}

export type Flags = ReturnType<typeof parseCommandLine>['values'];

export interface ConfigFiles {
  readonly settingsFile: string;
  readonly webhooksFile: string;
  readonly env: NodeJS.ProcessEnv;
}

/** --settings/--webhooks, else GENHOOK_SETTINGS/GENHOOK_WEBHOOKS, else ./settings.ini and ./webhooks.ini. */
export function configFilesOf(flags: Flags): ConfigFiles {
  return {
    settingsFile: flags.settings ?? process.env['GENHOOK_SETTINGS'] ?? 'settings.ini',
    webhooksFile: flags.webhooks ?? process.env['GENHOOK_WEBHOOKS'] ?? 'webhooks.ini',
    env: process.env,
  };
}
