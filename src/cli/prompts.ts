import { InterruptedError, UsageError } from '../shared/errors.js';
import type { Output } from './output.js';

/**
 * Ctrl-C or Ctrl-D at a prompt (inquirer's ExitPromptError): the operator said no, as an
 * interruption (exit 130) with `cancelled` as the message.
 */
export async function cancellable<T>(prompt: Promise<T>, cancelled: string): Promise<T> {
  try {
    return await prompt;
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError')
      throw new InterruptedError(cancelled, 'SIGINT', { cause: err, hint: '' });
    throw err;
  }
}

/** A prompt needs a terminal; without one, name the flag that replaces it. */
function requireTerminal(out: Output, flagHint: string): void {
  if (!out.interactive) throw new UsageError(`no terminal to ask for confirmation: ${flagHint}`);
}

export async function askText(
  out: Output,
  message: string,
  flagHint: string,
  validate?: (v: string) => string | true,
  cancelled = 'cancelled; nothing changed',
): Promise<string> {
  requireTerminal(out, flagHint);
  const { input } = await import('@inquirer/prompts');
  return cancellable(
    input({ message, validate: validate ?? (() => true) }, { output: process.stderr }),
    cancelled,
  );
}

export async function askChoice(
  out: Output,
  message: string,
  choices: string[],
  flagHint: string,
  cancelled = 'cancelled; nothing changed',
): Promise<string> {
  requireTerminal(out, flagHint);
  const { select } = await import('@inquirer/prompts');
  return cancellable(
    select(
      { message, choices: choices.map((value) => ({ value, name: value })) },
      { output: process.stderr },
    ),
    cancelled,
  );
}

/** Typed confirmation: the user must type `expected` exactly. */
export async function confirmTyped(
  out: Output,
  message: string,
  expected: string,
  flagHint: string,
  cancelled?: string,
): Promise<boolean> {
  const answer = await askText(
    out,
    `${message} Type ${JSON.stringify(expected)} to confirm:`,
    flagHint,
    undefined,
    cancelled,
  );
  return answer.trim() === expected;
}
