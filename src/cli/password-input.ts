/**
 * Reads a password without it ever appearing on a command line (where `ps` would show it): from a
 * terminal with echo off (a new one asked twice), or as the first line of standard input.
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

/** Reads an existing password: asked once on a terminal (echo off), else the first line of standard input. */
export async function readPassword(prompt = "Password: "): Promise<string> {
  const password = process.stdin.isTTY ? await ask(prompt) : await readFirstLine();
  if (!password) throw new Error(process.stdin.isTTY ? "No password was typed." : "No password on standard input.");
  return password;
}

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
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
