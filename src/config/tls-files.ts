/**
 * ssl_cert_path and ssl_key_path, read and checked the same way by `serve` and `genhook check`: a missing or
 * unreadable file, or one that is not PEM (or a key that does not fit the certificate), is a config error
 * naming the setting and the file, never a stack trace at listen time.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { settingsPath } from './paths.js';
import type { RuntimeConfig } from './runtime.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

const WHY: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied (GenHook runs as a user that cannot read it)',
  EISDIR: 'it is a directory, not a file',
};

/** Undefined when ssl_enabled is off; throws ConfigError listing every problem otherwise. */
export async function readTlsFiles(config: Pick<RuntimeConfig, 'settings' | 'settingsFile'>): Promise<TlsFiles | undefined> {
  const { settings } = config;
  if (!settings.ssl_enabled) return undefined;
  const issues: ConfigIssue[] = [];
  const issue = (message: string): void => void issues.push({ file: config.settingsFile, line: 1, column: 1, message });
  const read = async (key: 'ssl_cert_path' | 'ssl_key_path', marker: RegExp, what: string): Promise<Buffer | undefined> => {
    const path = settingsPath(config as RuntimeConfig, settings[key] ?? '');
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      issue(`${key} = ${settings[key]}: cannot read ${path}: ${WHY[code] ?? (error as Error).message}`);
      return undefined;
    }
    if (!marker.test(bytes.toString('latin1'))) issue(`${key} = ${settings[key]}: ${path} is not PEM (expected a "-----BEGIN ${what}" block)`);
    return bytes;
  };
  const cert = await read('ssl_cert_path', /-----BEGIN CERTIFICATE-----/, 'CERTIFICATE-----');
  const key = await read('ssl_key_path', /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'PRIVATE KEY-----');
  if (issues.length === 0 && cert !== undefined && key !== undefined) {
    try {
      createSecureContext({ cert, key });
    } catch (error) {
      issue(`ssl_cert_path / ssl_key_path: the certificate and key cannot be used together: ${(error as Error).message}`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return cert === undefined || key === undefined ? undefined : { cert, key };
}
