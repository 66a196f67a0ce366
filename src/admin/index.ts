export { ConfigStore, RELOAD_TRIGGERS, type EditPlan, type ReloadResult, type ReloadTrigger, type WriteResult } from './config-store.js';
export { DISABLED_MARK, keyOfLine, keyOfRule } from './edit-webhooks.js';
export { previewPayload, type PreviewItem, type PreviewRequest } from './preview.js';
export { RESTART_SETTINGS, settingsNeedingRestart } from './restart-settings.js';
export { mountAdminRoutes, type AdminDeps } from './routes.js';
export { compileServingConfig, loadServingConfig, type ServingConfig } from './serving-config.js';
export { watchConfigFiles, type ConfigWatcher } from './watch-config.js';
export { createAdminOperations, type AdminOperations, type SourceCounts } from './operations.js';
