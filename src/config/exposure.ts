/**
 * What GenHook's settings expose, said at start and by `genhook check`: sources that accept unsigned webhooks
 * while listening beyond loopback, SL1 credentials over plain http://, and credentials written inside
 * sl1_api_url (used, never printed). Pure: settings in, sentences out.
 */
import type { RuntimeConfig } from './runtime.js';
import { redactUrlPasswords } from './redact-url.js';
import type { Settings } from './settings.js';

/** Where SL1 is and who GenHook is there: credentials inside the URL count when the settings leave them unset. */
export interface Sl1Target {
  /** Without any user:password part. */
  readonly url: string | undefined;
  readonly username: string;
  readonly password: string;
}

export function sl1Target(settings: Pick<Settings, 'sl1_api_url' | 'sl1_username' | 'sl1_password'>): Sl1Target {
  const raw = settings.sl1_api_url;
  if (raw === undefined) return { url: undefined, username: settings.sl1_username ?? '', password: settings.sl1_password ?? '' };
  const url = new URL(raw);
  const fromUrl = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  return {
    url: url.toString(),
    username: settings.sl1_username ?? fromUrl.username,
    password: settings.sl1_password ?? fromUrl.password,
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

export interface ExposureWarning {
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export function exposureWarnings(config: Pick<RuntimeConfig, 'settings' | 'sources'>): ExposureWarning[] {
  const { settings } = config;
  const warnings: ExposureWarning[] = [];
  const unsigned = [...config.sources.values()].filter((source) => source.verify === undefined).map((source) => source.name).sort();
  if (unsigned.length > 0 && !isLoopbackHost(settings.server_host)) {
    warnings.push({
      message:
        `sources that accept unsigned webhooks while GenHook listens on ${settings.server_host} (not only this machine): ${unsigned.join(', ')}; ` +
        'anyone who can reach the port can raise SL1 alerts through them. Set <source>_secret (or <source>_signature, <source>_allow_ips), or server_host = 127.0.0.1 behind a proxy',
      details: { unsignedSources: unsigned, serverHost: settings.server_host },
    });
  }
  const target = settings.sl1_api_url === undefined ? undefined : sl1Target(settings);
  if (target?.url?.startsWith('http://') && (target.username !== '' || target.password !== '')) {
    warnings.push({
      message: `sl1_api_url is http:// (${redactUrlPasswords(target.url)}): the SL1 user name and password travel unencrypted on every alert; use https://`,
      details: { sl1ApiUrl: target.url },
    });
  }
  if (target !== undefined && target.username !== '' && target.password === '') {
    warnings.push({
      message: 'sl1_username is set but sl1_password is empty: SL1 will refuse the login (and delivery pauses at the first 401); set sl1_password or GENHOOK_SL1_PASSWORD',
      details: { sl1Username: target.username },
    });
  }
  return warnings;
}
