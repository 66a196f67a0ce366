export { ConfigStore, RELOAD_TRIGGERS, type EditPlan, type ReloadResult, type ReloadTrigger, type WriteResult } from './config-store.js';
export { RESTART_SETTINGS, settingsNeedingRestart } from './restart-settings.js';
export { compileConfig, type ConfigFiles, type LoadedConfig, type RuntimeConfig, type SourceRuntime } from './runtime.js';
export { compileServingConfig, loadServingConfig, readConfigText, type ServingConfig } from './serving-config.js';
export { watchConfigFiles, type ConfigWatcher } from './watch-config.js';
export { redactUrlPasswords } from './redact-url.js';
export { exposureWarnings, isLoopbackHost, sl1Target, type ExposureWarning, type Sl1Target } from './exposure.js';
export { readTlsFiles, type TlsFiles } from './tls-files.js';
export { resolvePaths, settingsPath, type GenHookPaths } from './paths.js';
