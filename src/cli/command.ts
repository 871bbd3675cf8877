/**
 * What a command-line command is: its words, help text, options and the function that runs it.
 *
 * @module
 */

export interface CommandOption {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  placeholder?: string;
  description: string;
}

export type CommandOptions = Record<string, CommandOption>;

export interface CommandInput {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** The words that select it: "serve", "user add". */
  name: string;
  usage: string;
  summary: string;
  options: CommandOptions;
  /** Least and most positional arguments. @default [0, 0] */
  positionals?: [number, number];
  /** Returns the exit code (0 when omitted). */
  run(input: CommandInput): Promise<number | undefined>;
}

/** The string value of a flag, or undefined. */
export function stringFlag(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === "string" ? value : undefined;
}

/** The values of a repeatable flag; each may also be a comma-separated list. */
export function listFlag(input: CommandInput, name: string): string[] | undefined {
  const value = input.values[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  return items
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function configFlags(input: CommandInput): Record<string, string | boolean | string[] | undefined> {
  const flags: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, value] of Object.entries(input.values)) {
    if (typeof value === "string" || typeof value === "boolean") flags[name] = value;
  }
  return flags;
}

/** The value of a whole-number flag, or undefined when not given; anything else is refused. */
export function wholeNumberFlag(input: CommandInput, name: string): number | undefined {
  const value = stringFlag(input, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number.`);
  return Number(value);
}
