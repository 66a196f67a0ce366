/** What `genhook --help` and `genhook <command> --help` print, and the error for a mistake in how genhook was called. */

export const USAGE = `Usage: genhook <command> [options]

Commands:
  serve                         run the webhook receiver (what ./start.sh runs)
  check [--strict] [--fixtures DIR]
                                validate settings.ini and webhooks.ini; exit 1 on any error. Also warns about
                                event names and field paths the provider's payloads lack (GitHub's published
                                schemas, the fixtures in DIR, default ./fixtures for the others) with a
                                suggestion; --strict makes warnings errors
  test [--update] [dir]         render every fixture in dir (default ./fixtures: <source>/<name>.json, headers in
                                <name>.meta.json) as the server does and compare the SL1 request bodies with
                                <name>.expected.json; exit 1 with a diff on any difference; --update writes them
  render <name> <payload.json>  print the message a payload renders to (name: github or github.push)
  render <payload.json> --header 'X-GitHub-Event: push'
                                identify the source and event from headers/body like the server does
  dlq list [--json]             show the dead letters
  dlq replay (--id ID | --all) [--rerender] [--yes]
                                send dead-lettered alerts to SL1 again (--rerender: rendered anew with today's
                                lines from the stored request); removes exactly those SL1 accepted
  completion bash|zsh           print a shell completion script (source <(genhook completion bash))

Options:
  --settings PATH   settings file (env GENHOOK_SETTINGS, default ./settings.ini)
  --webhooks PATH   webhooks file (env GENHOOK_WEBHOOKS, default ./webhooks.ini)
  --header 'Name: value'  (render; repeatable)
  --version         print the version
  -h, --help        this text; genhook <command> --help for one command
`;

const COMMON = `  --settings PATH   settings file (env GENHOOK_SETTINGS, default ./settings.ini)
  --webhooks PATH   webhooks file (env GENHOOK_WEBHOOKS, default ./webhooks.ini)
`;

/** `genhook <command> --help`: what that command does and takes. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: `Usage: genhook serve [--settings PATH] [--webhooks PATH]\n\nRuns the webhook receiver. SIGHUP reloads the configuration (and ends an SL1 auth pause); SIGTERM drains and exits.\n\n${COMMON}`,
  check: `Usage: genhook check [--strict] [--fixtures DIR]\n\nValidates settings.ini and webhooks.ini (every value serve would refuse, TLS files included); exit 1 on any error.\nWarns about unknown events and fields, unsigned sources on a public address, SL1 credentials over http://.\n\n  --strict          line warnings are errors\n  --fixtures DIR    payloads to check field paths against (default ./fixtures)\n${COMMON}`,
  test: `Usage: genhook test [--update] [dir]\n\nRenders every fixture in dir (default ./fixtures) and compares with <name>.expected.json; --update writes them.\n\n${COMMON}`,
  render: `Usage: genhook render <name> <payload.json>\n       genhook render <payload.json> --header 'X-GitHub-Event: push'\n\nPrints the message a payload renders to. name: a source (github) or source.event (github.push).\n\n  --header 'Name: value'  request header, repeatable\n${COMMON}`,
  dlq:
    `Usage: genhook dlq list [--json]\n       genhook dlq replay (--id ID ... | --all) [--rerender] [--yes]\n\n` +
    `list: the dead letters (the dead-letter file, or the Redis stream with redis_url). replay: sends them to SL1 again\n` +
    `with the settings serve uses (settings file plus GENHOOK_*), at max_worker_threads at once, one first to check the\n` +
    `credentials; stops at the first 401/403; removes exactly those SL1 accepted. --all asks first when run in a\n` +
    `terminal; --yes does not ask. --rerender renders each from its stored request with today's webhooks.ini (its\n` +
    `signature is not checked again); one stored without its request, or that now matches no line or splits into a\n` +
    `different number of alerts, is reported and not sent.\n\n` +
    `  --id ID           a dead letter's id, repeatable\n  --all             every dead letter\n  --rerender        render again with today's lines before sending\n` +
    `  --yes             do not ask before --all\n  --json            list: one JSON object per line\n${COMMON}`,
  completion: `Usage: genhook completion bash|zsh\n\nPrints a shell completion script: source <(genhook completion bash)\n`,
};

/** A mistake in how genhook was called: said in one line with a pointer to --help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
