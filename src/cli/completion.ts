import type { Command, Option } from 'commander';
import { allCommands, commandPath } from './help.js';

/**
 * Shell completion scripts generated from commander's metadata, the same source as --help and the
 * man page, so a new command or flag completes without anyone touching a script. Static, as
 * `kubectl completion` and `gh completion` print them: a TAB costs nothing (no Node start), and
 * `source <(tenantctl completion bash)` is the whole installation. Completed: commands and
 * subcommands, every flag of the command at hand plus the global ones, flag values with a fixed
 * set of choices, and file or directory names where a flag or argument names a path.
 */

interface Flag {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices?: string[];
  path?: 'file' | 'dir';
}

interface Node {
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  flags: Flag[];
  /** A positional argument is a file (import <archive>). */
  fileArgument: boolean;
  /** A positional argument's fixed values (completion <shell>). */
  argChoices: string[];
}

/** `<dir>` completes directories, `<file>` and `<archive>` files. */
function pathKind(placeholder: string): Flag['path'] {
  if (/<dir>|<name\|dir>/.test(placeholder)) return 'dir';
  if (/<file>|<archive>/.test(placeholder)) return 'file';
  return undefined;
}

function flagOf(o: Option): Flag {
  return {
    long: o.long,
    short: o.short,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    path: pathKind(o.flags),
  };
}

function nodesOf(program: Command): { global: Flag[]; nodes: Node[] } {
  const global = program.options.filter((o) => !o.hidden).map(flagOf);
  global.push({ long: '--help', short: '-h', description: 'display help', takesValue: false });
  const nodes = allCommands(program).map((cmd) => ({
    path: commandPath(cmd),
    description: cmd.description(),
    subcommands: [
      ...cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
      ...(cmd.commands.length && !cmd.commands.some((c) => c.name() === 'help')
        ? [{ name: 'help', description: 'display help for a command' }]
        : []),
    ],
    flags: cmd === program ? [] : cmd.options.filter((o) => !o.hidden).map(flagOf),
    fileArgument: cmd.registeredArguments.some((a) => a.name() === 'archive'),
    argChoices: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
  }));
  return { global, nodes };
}

const flagNames = (f: Flag) => [f.long, f.short].filter(Boolean) as string[];
/** Single-quoted for sh, bash, zsh and fish alike. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const fishq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The value a flag takes, by flag name: choices, or a path kind. */
function valueCases(all: Flag[]): { flags: string[]; choices?: string[]; path?: Flag['path'] }[] {
  const byKey = new Map<string, { flags: string[]; choices?: string[]; path?: Flag['path'] }>();
  for (const f of all.filter((x) => x.takesValue)) {
    const key = f.choices ? `choices:${f.choices.join(' ')}` : `path:${f.path ?? 'none'}`;
    const entry = byKey.get(key) ?? { flags: [], choices: f.choices, path: f.path };
    for (const n of flagNames(f)) if (!entry.flags.includes(n)) entry.flags.push(n);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

function bash(program: Command): string {
  const { global, nodes } = nodesOf(program);
  const paths = nodes.map((n) => n.path).filter(Boolean);
  const values = valueCases([...global, ...nodes.flatMap((n) => n.flags)]);
  const valueCase = values
    .map((v) => {
      const action = v.choices
        ? `COMPREPLY=($(compgen -W ${sq(v.choices.join(' '))} -- "$cur"))`
        : v.path === 'dir'
          ? `COMPREPLY=($(compgen -d -- "$cur"))`
          : v.path === 'file'
            ? `COMPREPLY=($(compgen -f -- "$cur"))`
            : 'COMPREPLY=()';
      return `    ${v.flags.join('|')}) ${action}; return ;;`;
    })
    .join('\n');
  const wordCase = nodes
    .map((n) => {
      const words = [...n.subcommands.map((s) => s.name), ...n.argChoices];
      const flags = [...n.flags.flatMap(flagNames), ...global.flatMap(flagNames)];
      const files = n.fileArgument ? ' files=1' : '';
      return `    ${sq(n.path)}) words=${sq(words.join(' '))}; flags=${sq(flags.join(' '))};${files} ;;`;
    })
    .join('\n');
  return `# bash completion for tenantctl, generated from its commands by \`tenantctl completion bash\`.
# Install: echo 'source <(tenantctl completion bash)' >> ~/.bashrc
_tenantctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" next w i words="" flags="" files=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    next="\${path:+$path }$w"
    case "$next" in
      ${paths.map(sq).join('|')}) path="$next" ;;
    esac
  done
  case "$prev" in
${valueCase}
  esac
  case "$path" in
${wordCase}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    if [[ $files == 1 ]]; then COMPREPLY+=($(compgen -f -- "$cur")); fi
  fi
}
complete -o default -F _tenantctl tenantctl
`;
}

/** zsh's _describe splits "name:description" at the first unescaped colon. */
const zdesc = (name: string, description: string) =>
  sq(`${name.replace(/:/g, '\\:')}:${description.replace(/\n/g, ' ')}`);

function zsh(program: Command): string {
  const { global, nodes } = nodesOf(program);
  const paths = nodes.map((n) => n.path).filter(Boolean);
  const values = valueCases([...global, ...nodes.flatMap((n) => n.flags)]);
  const valueCase = values
    .map((v) => {
      const action = v.choices
        ? `compadd -- ${v.choices.join(' ')}`
        : v.path === 'dir'
          ? '_files -/'
          : v.path === 'file'
            ? '_files'
            : '_message value';
      return `    (${v.flags.join('|')}) ${action}; return ;;`;
    })
    .join('\n');
  const globalFlags = global.flatMap((f) => flagNames(f).map((n) => zdesc(n, f.description)));
  const nodeCase = nodes
    .map((n) => {
      const cmds = [
        ...n.subcommands.map((s) => zdesc(s.name, s.description)),
        ...n.argChoices.map((c) => zdesc(c, c)),
      ];
      const flags = n.flags.flatMap((f) => flagNames(f).map((x) => zdesc(x, f.description)));
      return `    (${sq(n.path)}) cmds=(${cmds.join(' ')}); flags=(${flags.join(' ')});${n.fileArgument ? ' files=1;' : ''} ;;`;
    })
    .join('\n');
  return `#compdef tenantctl
# zsh completion for tenantctl, generated from its commands by \`tenantctl completion zsh\`.
# Install: echo 'source <(tenantctl completion zsh)' >> ~/.zshrc (after compinit), or save it as
# _tenantctl in a directory on $fpath.
_tenantctl() {
  local p="" next w i files=0
  local -a cmds flags
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    next="\${p:+$p }$w"
    case "$next" in
      (${paths.map(sq).join('|')}) p="$next" ;;
    esac
  done
  case "\${words[CURRENT-1]}" in
${valueCase}
  esac
  case "$p" in
${nodeCase}
  esac
  flags+=(${globalFlags.join(' ')})
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options option flags
  else
    (( \${#cmds} )) && _describe -t commands command cmds
    (( files )) && _files
  fi
}
if [[ "\${funcstack[1]}" == _tenantctl ]]; then
  _tenantctl "$@"
else
  compdef _tenantctl tenantctl
fi
`;
}

function fish(program: Command): string {
  const { global, nodes } = nodesOf(program);
  const paths = nodes.map((n) => n.path).filter(Boolean);
  const flagLine = (f: Flag, condition?: string) => {
    const parts = ['complete -c tenantctl'];
    if (condition) parts.push(`-n ${fishq(condition)}`);
    if (f.long) parts.push(`-l ${f.long.replace(/^--/, '')}`);
    if (f.short) parts.push(`-s ${f.short.replace(/^-/, '')}`);
    if (f.choices) parts.push(`-x -a ${fishq(f.choices.join(' '))}`);
    else if (f.path) parts.push('-r -F');
    else if (f.takesValue) parts.push('-x');
    parts.push(`-d ${fishq(f.description)}`);
    return parts.join(' ');
  };
  const lines = [
    '# fish completion for tenantctl, generated from its commands by `tenantctl completion fish`.',
    '# Install: tenantctl completion fish > ~/.config/fish/completions/tenantctl.fish',
    'function __tenantctl_path',
    '    set -l p ""',
    '    for w in (commandline -opc)[2..-1]',
    "        string match -q -- '-*' $w; and continue",
    '        set -l next (string trim -- "$p $w")',
    `        if contains -- $next ${paths.map(fishq).join(' ')}`,
    '            set p $next',
    '        end',
    '    end',
    '    echo $p',
    'end',
    'function __tenantctl_is',
    '    test (__tenantctl_path) = "$argv[1]"',
    'end',
    'complete -c tenantctl -f',
    ...global.map((f) => flagLine(f)),
  ];
  for (const n of nodes) {
    const cond = `__tenantctl_is ${fishq(n.path)}`;
    for (const s of n.subcommands)
      lines.push(
        `complete -c tenantctl -n ${fishq(cond)} -a ${fishq(s.name)} -d ${fishq(s.description)}`,
      );
    for (const f of n.flags) lines.push(flagLine(f, cond));
    if (n.argChoices.length)
      lines.push(`complete -c tenantctl -n ${fishq(cond)} -a ${fishq(n.argChoices.join(' '))}`);
    if (n.fileArgument) lines.push(`complete -c tenantctl -n ${fishq(cond)} -F`);
  }
  return `${lines.join('\n')}\n`;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(program: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](program);
}
