/**
 * Fixed limits on webhooks.ini, so compiling it (at start, on every reload and admin write) is bounded work:
 * with these and a linear compiler, the largest file allowed compiles in a few milliseconds and never blocks
 * the event loop for long. Each one is reported as a config error at file:line:column. Documented in README.
 */

/** Characters in webhooks.ini: about 2,000 lines, and a compile of a few tens of milliseconds at most. */
export const MAX_WEBHOOKS_FILE_SIZE = 256 * 1024;
/** Characters on one line. */
export const MAX_LINE_LENGTH = 16 * 1024;
/** Field names in one line's field list, at every level. */
export const MAX_FIELDS_PER_LINE = 1000;
/** Nesting of `{}` / `<>` groups in a field list: as deep as max_json_depth lets a payload be by default. */
export const MAX_FIELD_DEPTH = 64;
/** `$...$` variables in one template. */
export const MAX_TEMPLATE_VARIABLES = 1000;
/** Issues reported for one line before a summary of how many more there are. */
export const MAX_ISSUES_PER_LINE = 20;
/** Issues reported for one file before a summary. */
export const MAX_ISSUES_PER_FILE = 500;
/** Characters of a field list or name quoted in an issue message. */
export const MAX_QUOTED_LENGTH = 80;
