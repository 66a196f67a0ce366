export { CodedError } from './coded-error.js';
export { ConfigError, formatConfigIssue, type ConfigIssue } from './config-error.js';
export { ERROR_CODES, type BodyErrorCode, type SettingErrorCode, type StoreErrorCode } from './error-codes.js';
export { BodyError, SettingError, type BodyPosition } from './input-errors.js';
export { describeExpected, describeValue, optionChecks, type OptionChecks, type OptionFailure } from './option-checks.js';
export { formatHttpErrorTable, HTTP_ERRORS, httpStatusOf, isHttpErrorCode, type HttpErrorCode, type HttpErrorSpec } from './http-errors.js';
export { EXIT, EXIT_CODES, formatExitCodeTable, type ExitName } from './exit-codes.js';
