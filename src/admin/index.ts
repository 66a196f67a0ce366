export { previewPayload, type PreviewItem, type PreviewRequest } from './preview.js';
export { mountAdminRoutes, type AdminDeps } from './routes.js';
export { createAdminOperations, type AdminOperations, type SourceCounts } from './operations.js';
export { fileDeadLetters, redisDeadLetters, type DeadLetterStore, type RequeueResult } from './dead-letter-stores.js';
