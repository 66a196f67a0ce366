/** `genhook check`: every value serve would refuse, line warnings, exposure warnings; exit 1 on an error. */
import { checkLines } from '../check/check-lines.js';
import { exposureWarnings, loadServingConfig, readTlsFiles } from '../config/index.js';
import { ConfigError, EXIT, formatConfigIssue } from '../errors/index.js';
import type { ConfigFiles } from './flags.js';

export async function checkCommand(
  files: ConfigFiles,
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
      return EXIT.failed;
    }
    process.stdout.write(`${files.webhooksFile} and ${files.settingsFile} are valid${all.length > 0 ? ` (${all.length} warning${all.length === 1 ? '' : 's'})` : ''}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found\n`);
    return EXIT.failed;
  }
}
