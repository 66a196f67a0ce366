/**
 * `genhook completion bash|zsh`: shell completion scripts, generated from one table of commands and flags so
 * the completion cannot drift from what cli.ts accepts.
 */

/** Subcommands with their own subcommands and the flags each accepts. */
export const COMMANDS: Readonly<Record<string, { readonly sub?: readonly string[]; readonly flags: readonly string[] }>> = {
  serve: { flags: ['--settings', '--webhooks'] },
  check: { flags: ['--settings', '--webhooks', '--strict', '--fixtures'] },
  test: { flags: ['--settings', '--webhooks', '--update'] },
  render: { flags: ['--settings', '--webhooks', '--header'] },
  dlq: { sub: ['list', 'replay'], flags: ['--settings', '--webhooks', '--json', '--id', '--all', '--rerender', '--yes'] },
  completion: { sub: ['bash', 'zsh'], flags: [] },
  help: { flags: [] },
};

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Flags followed by a file path (complete file names after them). */
const PATH_FLAGS = ['--settings', '--webhooks', '--fixtures'];
/** Flags followed by a value that is not a file (zsh then completes nothing after them instead of the next flag). */
const VALUE_FLAGS: Readonly<Record<string, string>> = { '--id': 'dead-letter id', '--header': 'request header' };

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bashScript() : zshScript();
}

function bashScript(): string {
  const names = Object.keys(COMMANDS).join(' ');
  const cases = Object.entries(COMMANDS)
    .map(([name, spec]) => `    ${name}) subs="${(spec.sub ?? []).join(' ')}"; flags="${spec.flags.join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for genhook. Load with: source <(genhook completion bash)
_genhook() {
  local cur prev cmd subs flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    ${PATH_FLAGS.join('|')}) COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${names} --help" -- "$cur") )
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${cases}
    *) subs=""; flags="" ;;
  esac
  if [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ] && [[ "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
  return 0
}
complete -o filenames -F _genhook genhook
`;
}

function zshScript(): string {
  const commandList = Object.keys(COMMANDS)
    .map((name) => `'${name}'`)
    .join(' ');
  const cases = Object.entries(COMMANDS)
    .map(([name, spec]) => {
      const subs = (spec.sub ?? []).map((sub) => `'${sub}'`).join(' ');
      const flags = spec.flags.map((flag) => `'${zshFlagSpec(flag)}'`).join(' ');
      return `    ${name}) subs=(${subs}); flags=(${flags}) ;;`;
    })
    .join('\n');
  return `#compdef genhook
# zsh completion for genhook. Load with: source <(genhook completion zsh), or save as _genhook in your $fpath.
_genhook() {
  local -a commands subs flags
  commands=(${commandList})
  if (( CURRENT == 2 )); then
    compadd -- $commands --help
    return
  fi
  case \${words[2]} in
${cases}
    *) subs=(); flags=() ;;
  esac
  if (( CURRENT == 3 )) && (( \${#subs} > 0 )) && [[ \${words[CURRENT]} != -* ]]; then
    compadd -- $subs
  elif [[ \${words[CURRENT]} == -* ]]; then
    _arguments -s $flags
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _genhook "$@"
else
  compdef _genhook genhook
fi
`;
}

/** One `_arguments` spec: a file after path flags, a described value after value flags. */
function zshFlagSpec(flag: string): string {
  if (PATH_FLAGS.includes(flag)) return `${flag}[file]:file:_files`;
  const value = VALUE_FLAGS[flag];
  return value === undefined ? flag : `${flag}[${value}]:${value}: `;
}
