export { CodedError } from './coded-error.js';
export { ConfigError, formatConfigIssue, type ConfigIssue } from './config-error.js';
export {
  BODY_ERROR_CODES,
  BodyError,
  SETTING_ERROR_CODES,
  SettingError,
  type BodyErrorCode,
  type BodyPosition,
  type SettingErrorCode,
} from './input-errors.js';
export { describeExpected, describeValue, optionChecks, type OptionChecks, type OptionFailure } from './option-checks.js';
export { formatHttpErrorTable, HTTP_ERRORS, httpStatusOf, isHttpErrorCode, type HttpErrorCode, type HttpErrorSpec } from './http-errors.js';
export { EXIT, EXIT_CODES, formatExitCodeTable, type ExitName } from './exit-codes.js';
