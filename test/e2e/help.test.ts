import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, BIN_PATH } from '../helpers/cli.js';
import { buildProgram } from '../../src/cli/program.js';
import { allCommands, commandPath } from '../../src/cli/help.js';
import { manPage } from '../../src/cli/man.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const paths = allCommands(buildProgram()).map(commandPath);

/** The "$ tenantctl ..." lines under "Examples:" in a help page. */
function examplesIn(help: string): string[] {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return [];
  const block = help.slice(at).split('\n\n')[0];
  return block.split('\n').filter((l) => l.trimStart().startsWith('$ '));
}

describe('help a newcomer can act on', () => {
  it('every command has 2-4 examples in its --help', async () => {
    const counts: Record<string, number> = {};
    for (const p of paths) {
      const r = await runCli([...p.split(' ').filter(Boolean), '--help']);
      expect(r.code, p).toBe(0);
      counts[p || 'tenantctl'] = examplesIn(r.stdout).length;
    }
    const wrong = Object.entries(counts).filter(([, n]) => n < 2 || n > 4);
    expect(wrong).toEqual([]);
    expect(Object.keys(counts).length).toBeGreaterThan(25);
  });

  it('subcommand help shows the global options; program help the exit codes', async () => {
    const drop = await runCli(['drop', '--help']);
    expect(drop.stdout).toMatch(/--backup-to <dir>/);
    expect(drop.stdout).toMatch(/Global Options:/);
    for (const flag of ['--yes', '--json', '--lock-timeout', '--database-url', '--color'])
      expect(drop.stdout).toContain(flag);
    const main = await runCli(['--help']);
    expect(main.stdout).toMatch(/Exit codes:\n\s+0\s+done\n\s+1\s+failed/);
    expect(main.stdout).toMatch(/4\s+busy/);
    expect(main.stdout).toMatch(/NO_COLOR, FORCE_COLOR/);
  });

  it('help subcommands at every level', async () => {
    for (const argv of [
      ['help', 'migrate', 'status'],
      ['migrate', 'help', 'status'],
      ['export', 'help', 'verify'],
      ['access', 'help', 'grant'],
      ['dev', 'help', 'url'],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      const target = argv.filter((a) => a !== 'help').join(' ');
      expect(r.stdout, argv.join(' ')).toContain(`Usage: tenantctl ${target}`);
    }
  });

  it('-V, --version and `version`', async () => {
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        `tenantctl ${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\nnode ${process.version}\n`,
      );
    }
    // Nothing configured: no server line, still exit 0.
    const offline = await runCli(['version'], { env: { XDG_DATA_HOME: '/nonexistent' } });
    expect(offline.code).toBe(0);
    expect(offline.stdout).not.toMatch(/server/);
  });

  it('every argument and flag says what it is; --tenant is <slug...> everywhere', () => {
    const undocumented: string[] = [];
    const tenantFlags = new Set<string>();
    for (const cmd of allCommands(buildProgram())) {
      for (const a of cmd.registeredArguments)
        if (!a.description) undocumented.push(`${commandPath(cmd)} <${a.name()}>`);
      for (const o of cmd.options) {
        if (!o.description) undocumented.push(`${commandPath(cmd)} ${o.flags}`);
        if (o.long === '--tenant') tenantFlags.add(o.flags);
      }
    }
    expect(undocumented).toEqual([]);
    expect([...tenantFlags]).toEqual(['--tenant <slug...>']);
  });

  it('man/tenantctl.1 is generated from the same commands (run `npm run man` after changing them)', () => {
    const committed = readFileSync(path.join(ROOT, 'man', 'tenantctl.1'), 'utf8');
    expect(committed).toBe(manPage(buildProgram()));
    for (const p of paths.filter(Boolean))
      expect(committed).toContain(`tenantctl ${p.replace(/-/g, '\\-')}`);
    // roff that man itself reads without complaint, when man is installed
    const man = spawnSync('man', ['--warnings', '-l', path.join(ROOT, 'man', 'tenantctl.1')], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '0' },
    });
    if (man.status !== null && !man.error) {
      expect(man.stderr).toBe('');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: nroff's overstrike for bold
      expect(man.stdout.replace(/.\x08/g, '')).toMatch(/EXIT STATUS/);
    }
  });
});

/** Runs bash completion for a command line whose last word is being completed. */
function bashComplete(line: string): string[] {
  const script = execFileSync(process.execPath, [BIN_PATH, 'completion', 'bash'], {
    encoding: 'utf8',
  });
  const words = line.split(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tenantctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

describe('shell completion from the same commands', () => {
  it('bash: commands, subcommands, flags of the command at hand, flag values', () => {
    expect(bashComplete('tenantctl mi')).toEqual(['migrate']);
    expect(bashComplete('tenantctl migrate st')).toEqual(['status']);
    expect(bashComplete('tenantctl migrate --te')).toEqual(['--tenant', '--tenants-from']);
    expect(bashComplete('tenantctl migrate status --ch')).toEqual(['--check']);
    expect(bashComplete('tenantctl drop --b')).toEqual(['--backup-to']);
    expect(bashComplete('tenantctl list --status ')).toEqual(['active', 'suspended']);
    expect(bashComplete('tenantctl --color ')).toEqual(['always', 'never', 'auto']);
    expect(bashComplete('tenantctl completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(bashComplete('tenantctl access ')).toEqual(['grant', 'revoke', 'list', 'help']);
    expect(bashComplete('tenantctl audit --outcome f')).toEqual(['failed']);
    // global flags everywhere
    expect(bashComplete('tenantctl dev up --js')).toEqual(['--json']);
  });

  it('zsh and fish scripts are valid for their shells (when installed)', () => {
    for (const [shell, check] of [
      ['zsh', ['-n']],
      ['fish', ['--no-execute']],
    ] as const) {
      const script = execFileSync(process.execPath, [BIN_PATH, 'completion', shell], {
        encoding: 'utf8',
      });
      expect(script).toMatch(/migrate/);
      const file = path.join(
        mkdtempSync(path.join(os.tmpdir(), 'tctl-compl-')),
        `tenantctl.${shell}`,
      );
      writeFileSync(file, script);
      const r = spawnSync(shell, [...check, file], { encoding: 'utf8' });
      if (r.error) continue; // the shell is not installed here
      expect(r.status, r.stderr).toBe(0);
    }
  });
});
