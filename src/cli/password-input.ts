/**
 * Reads passwords without them ever appearing on a command line (where `ps` would show them): from a
 * terminal with echo off (a new one asked twice), or as the first lines of standard input.
 *
 * @module
 */

import { createInterface } from "node:readline";

export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const first = await readFirstLine();
    if (!first) throw new Error("No password on standard input.");
    return first;
  }
  const password = await ask("New password: ");
  const again = await ask("Repeat the new password: ");
  if (password !== again) throw new Error("The two passwords differ.");
  if (!password) throw new Error("The password must not be empty.");
  return password;
}

/**
 * Reads several existing passwords, one for each prompt: asked in turn on a terminal (echo off), else
 * the first lines of standard input, in order.
 */
export async function readPasswords(prompts: readonly string[]): Promise<string[]> {
  if (prompts.length === 0) return [];
  const answers: string[] = [];
  if (process.stdin.isTTY) {
    for (const prompt of prompts) answers.push(await ask(prompt));
  } else {
    answers.push(...(await readLines(prompts.length)));
  }
  if (answers.length < prompts.length || answers.some((a) => !a)) {
    throw new Error(
      process.stdin.isTTY
        ? "No password was typed."
        : `Standard input must hold ${prompts.length} non-empty line(s), one per password.`,
    );
  }
  return answers;
}

async function readFirstLine(): Promise<string> {
  return (await readLines(1))[0] ?? "";
}

async function readLines(count: number): Promise<string[]> {
  const lines = createInterface({ input: process.stdin });
  const read: string[] = [];
  for await (const line of lines) {
    read.push(line);
    if (read.length >= count) break;
  }
  lines.close();
  return read;
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    process.stderr.write(prompt);
    // Echo nothing of what is typed.
    output._writeToOutput = () => {};
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}
