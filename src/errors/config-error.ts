/** Where a configuration problem is, and what to write instead. Lines and columns are 1-based. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  // Values from the environment have no line to point at.
  if (issue.line === 0) return `${issue.file}: ${issue.message}`;
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

/** Thrown when a configuration file cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.issues = issues;
  }
}
