import type { Command } from 'commander';
import { Argument } from 'commander';
import { withSession } from '../session.js';
import { examples } from '../help.js';
import { SHELLS, completionScript, type Shell } from '../completion.js';

export function register(program: Command): void {
  const cmd = program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(async (shell: Shell, _opts, command: Command) =>
      withSession(command, async (s) => {
        const script = completionScript(program, shell);
        s.out.result({ shell, script }, () => script.trimEnd());
      }),
    );
  examples(cmd, [
    {
      cmd: "echo 'source <(tenantctl completion bash)' >> ~/.bashrc",
      does: 'bash: complete commands, flags and their values',
    },
    {
      cmd: "echo 'source <(tenantctl completion zsh)' >> ~/.zshrc",
      does: 'zsh (after compinit)',
    },
    {
      cmd: 'tenantctl completion fish > ~/.config/fish/completions/tenantctl.fish',
      does: 'fish',
    },
  ]);
}
