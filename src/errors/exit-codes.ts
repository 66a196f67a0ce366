/**
 * What `genhook`'s exit status means, once: every command returns one of these, and README's "Exit codes" table is
 * checked against this list by a test. Scripts and CI branch on the number, so a meaning never changes.
 */
export const EXIT_CODES = {
  ok: { code: 0, meaning: 'Done as asked: `check` found the configuration valid, `test` matched every fixture, `dlq replay` got every alert accepted; `serve` drained and stopped on a signal.' },
  failed: { code: 1, meaning: 'The command ran and the answer is no: invalid configuration, `check --strict` warnings, a `test` difference, an unreadable `render` payload, alerts SL1 did not accept, `serve` could not start or stopped on a second signal.' },
  usage: { code: 2, meaning: 'Wrong command line (unknown command or flag, missing argument, no such fixtures folder), or a setting the command needs is unset (`dlq replay` without `sl1_api_url`).' },
} as const satisfies Readonly<Record<string, { readonly code: number; readonly meaning: string }>>;

export type ExitName = keyof typeof EXIT_CODES;

/** The numbers by name: `return EXIT.usage`. */
export const EXIT: { readonly [K in ExitName]: (typeof EXIT_CODES)[K]['code'] } = {
  ok: EXIT_CODES.ok.code,
  failed: EXIT_CODES.failed.code,
  usage: EXIT_CODES.usage.code,
};

/** README's table, from the list: `| exit | meaning |`. */
export function formatExitCodeTable(): string {
  const rows = Object.values(EXIT_CODES).map(({ code, meaning }) => `| ${code} | ${meaning} |`);
  return ['| exit | meaning |', '|---|---|', ...rows].join('\n');
}
