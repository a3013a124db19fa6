import { CancelledError, UsageError } from '../shared/errors.js';
import type { Output } from './output.js';

/** A prompt needs a terminal; without one, name the flag that replaces it. */
function requireTerminal(out: Output, flagHint: string): void {
  if (!out.interactive) throw new UsageError(`no terminal to ask for confirmation: ${flagHint}`);
}

/**
 * Ctrl-C or Ctrl-D at a prompt: inquirer rejects with ExitPromptError; that is the user saying
 * no, before anything changed (exit 130, "cancelled; nothing dropped").
 */
export async function asked<T>(prompt: Promise<T>, nothingDone: string): Promise<T> {
  try {
    return await prompt;
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError')
      throw new CancelledError(`cancelled; ${nothingDone}`);
    throw err;
  }
}

export async function askText(
  out: Output,
  message: string,
  flagHint: string,
  validate?: (v: string) => string | true,
  nothingDone = 'nothing changed',
): Promise<string> {
  requireTerminal(out, flagHint);
  const { input } = await import('@inquirer/prompts');
  return asked(
    input({ message, validate: validate ?? (() => true) }, { output: process.stderr }),
    nothingDone,
  );
}

export async function askChoice(
  out: Output,
  message: string,
  choices: string[],
  flagHint: string,
  nothingDone = 'nothing changed',
): Promise<string> {
  requireTerminal(out, flagHint);
  const { select } = await import('@inquirer/prompts');
  return asked(
    select(
      { message, choices: choices.map((value) => ({ value, name: value })) },
      { output: process.stderr },
    ),
    nothingDone,
  );
}

/** Typed confirmation: the user must type `expected` exactly. */
export async function confirmTyped(
  out: Output,
  message: string,
  expected: string,
  flagHint: string,
  nothingDone = 'nothing changed',
): Promise<boolean> {
  const answer = await askText(
    out,
    `${message} Type ${JSON.stringify(expected)} to confirm:`,
    flagHint,
    undefined,
    nothingDone,
  );
  return answer.trim() === expected;
}

/** A secret typed without echo (masked); Ctrl-C at it is a cancellation like any prompt's. */
export async function askPassword(
  out: Output,
  message: string,
  flagHint: string,
  nothingDone = 'nothing changed',
): Promise<string> {
  requireTerminal(out, flagHint);
  const { password } = await import('@inquirer/prompts');
  return asked(password({ message, mask: true }, { output: process.stderr }), nothingDone);
}
