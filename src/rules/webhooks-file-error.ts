import { formatIssue } from './parse-webhooks-file.js';
import type { ConfigIssue } from './types.js';

/**
 * Thrown by the composition root when webhooks.ini has issues; the parser itself never throws.
 * The message lists every issue as `file:line:column: message`, one per line.
 */
export class WebhooksFileError extends Error {
  override readonly name = 'WebhooksFileError';
  readonly code = 'ERR_WEBHOOKS_FILE';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    super(`[genhook] webhooks file has ${count}; fix them and reload:\n${issues.map(formatIssue).join('\n')}`);
    this.issues = issues;
  }
}
