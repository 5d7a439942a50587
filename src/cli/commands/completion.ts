/**
 * `stackanetes completion bash|zsh|fish` prints a script for the shell; the script asks the CLI
 * itself what fits (`stackanetes __complete -- WORDS… CURRENT`), so verbs, flags and fixed flag
 * values always match the commands as registered, and package names come from the default
 * registry. Completion never prints an error: a registry that does not answer just adds nothing.
 */
import { Argument, type Command, type Option } from 'commander';
import type { CliEnv } from '../env.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Verbs whose first argument may name a package in a registry. */
const PACKAGE_VERBS = new Set([
  'show',
  'pull',
  'channel',
  'delete-package',
  'deploy',
  'diff',
  'generate',
  'update',
]);

export function register(program: Command, env: CliEnv): void {
  program
    .command('completion')
    .description('print the shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      [
        '',
        'Load it in the current shell:',
        '  bash:  source <(stackanetes completion bash)',
        '  zsh:   source <(stackanetes completion zsh)',
        '  fish:  stackanetes completion fish | source',
      ].join('\n'),
    )
    .action((shell: Shell) => {
      env.writer.out(completionScript(shell));
    });
  program
    .command('__complete', { hidden: true })
    .description('print completion candidates for the words after `--` (used by the completion scripts)')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[] = []) => {
      try {
        const candidates = await complete(program, words, process.env);
        if (candidates.length > 0) env.writer.out(candidates.join('\n'));
      } catch {
        // A completion that fails offers nothing rather than an error in the middle of a prompt.
      }
    });
}

/** The candidates for the last of `words` (the word being typed, possibly empty), given the words before it. */
export async function complete(
  program: Command,
  words: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let command: Command | undefined;
  let pending: Option | undefined;
  let positionals = 0;
  let operandsOnly = false;
  for (const word of before) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (!command) {
      if (word.startsWith('-')) continue;
      command = visibleCommands(program).find((c) => c.name() === word || c.aliases().includes(word));
      if (!command) return [];
      continue;
    }
    if (!operandsOnly && word === '--') {
      operandsOnly = true;
      continue;
    }
    if (!operandsOnly && word.startsWith('-') && word !== '-') {
      const option = findOption(command, word);
      if (option && (option.required || option.optional) && !word.includes('=')) pending = option;
      continue;
    }
    positionals++;
  }
  const matching = (values: readonly string[]): string[] => values.filter((v) => v.startsWith(current));
  if (pending) return matching(optionChoices(pending));
  if (!command) {
    if (current.startsWith('-')) return matching(['--debug', '--help', '--version']);
    return matching(visibleCommands(program).map((c) => c.name()));
  }
  if (current.startsWith('-') && !operandsOnly) {
    const longFlags = command.options.filter((o) => !o.hidden && o.long).map((o) => o.long as string);
    return matching([...new Set([...longFlags, '--help'])]);
  }
  const args = command.registeredArguments;
  const arg = args[Math.min(positionals, args.length - 1)];
  if (!arg) return [];
  if (arg.argChoices) return matching(arg.argChoices);
  if (
    positionals === 0 &&
    PACKAGE_VERBS.has(command.name()) &&
    !current.startsWith('.') &&
    !current.startsWith('/')
  )
    return matching(await packageNames(env));
  return [];
}

function visibleCommands(program: Command): Command[] {
  return program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

function findOption(command: Command, word: string): Option | undefined {
  const flag = word.split('=')[0];
  return command.options.find((o) => o.long === flag || o.short === flag);
}

/**
 * A flag's fixed values: commander's declared choices, or the list its help text gives when it
 * is only that ("table, json or yaml"), which is how the output formats are described.
 */
export function optionChoices(option: Option): string[] {
  if (option.argChoices) return [...option.argChoices];
  const match = /^([a-z][a-z-]*)((?:, [a-z][a-z-]*)*) or ([a-z][a-z-]*)$/.exec(option.description);
  if (!match) return [];
  return [match[1] as string, ...(match[2] ?? '').split(', ').filter(Boolean), match[3] as string];
}

/** `namespace/name` of every package in the default registry; nothing when none is set or it does not answer. */
async function packageNames(env: NodeJS.ProcessEnv): Promise<string[]> {
  const quick: NodeJS.ProcessEnv = {
    ...env,
    STACKANETES_REGISTRY_TIMEOUT: env.STACKANETES_REGISTRY_TIMEOUT ?? '3000',
    STACKANETES_REGISTRY_RETRIES: '0',
  };
  try {
    const [{ list }, { createActionContext }] = await Promise.all([
      import('../../actions/list.js'),
      import('../../actions/context.js'),
    ]);
    return (await list(createActionContext({ cwd: process.cwd(), env: quick }), {})).packages.map(
      (p) => p.name,
    );
  } catch {
    return [];
  }
}

export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
  }
}

const BASH = `# stackanetes completion for bash: source <(stackanetes completion bash)
_stackanetes_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  local candidates
  candidates=$(stackanetes __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _stackanetes_complete stackanetes
`;

const ZSH = `#compdef stackanetes
# stackanetes completion for zsh: source <(stackanetes completion zsh), after compinit
_stackanetes() {
  local -a candidates
  candidates=("\${(@f)$(stackanetes __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -a candidates
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_stackanetes" ]]; then
  _stackanetes "$@"
else
  compdef _stackanetes stackanetes
fi
`;

const FISH = `# stackanetes completion for fish: stackanetes completion fish | source
function __stackanetes_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    stackanetes __complete -- $words[2..-1] "$current" 2>/dev/null
end
complete -c stackanetes -f -a '(__stackanetes_complete)'
`;
