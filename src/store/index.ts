export { writeFileAtomic } from './atomic-write.js';
export { checkStoreOption, StoreError, type StoreErrorCode, type StoreLogger } from './errors.js';
export { acquireDataDirLock, DATA_DIR_LOCK_FILE, type DataDirLock, type DataDirLockOwner } from './data-dir-lock.js';
export type { FileLockOptions } from './file-lock.js';
