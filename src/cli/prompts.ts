import { UsageError } from '../shared/errors.js';
import type { Output } from './output.js';

/** A prompt needs a terminal; without one, name the flag that replaces it. */
function requireTerminal(out: Output, flagHint: string): void {
  if (!out.interactive) throw new UsageError(`no terminal to ask for confirmation: ${flagHint}`);
}

export async function askText(
  out: Output,
  message: string,
  flagHint: string,
  validate?: (v: string) => string | true,
): Promise<string> {
  requireTerminal(out, flagHint);
  const { input } = await import('@inquirer/prompts');
  return input({ message, validate: validate ?? (() => true) }, { output: process.stderr });
}

export async function askChoice(
  out: Output,
  message: string,
  choices: string[],
  flagHint: string,
): Promise<string> {
  requireTerminal(out, flagHint);
  const { select } = await import('@inquirer/prompts');
  return select(
    { message, choices: choices.map((value) => ({ value, name: value })) },
    { output: process.stderr },
  );
}

/** Typed confirmation: the user must type `expected` exactly. */
export async function confirmTyped(
  out: Output,
  message: string,
  expected: string,
  flagHint: string,
): Promise<boolean> {
  const answer = await askText(
    out,
    `${message} Type ${JSON.stringify(expected)} to confirm:`,
    flagHint,
  );
  return answer.trim() === expected;
}
