/**
 * Small readers that turn untrusted input (`unknown`) into typed values or throw
 * `SessionError("INVALID_ARGUMENT")` naming the offending field. Operations and the configuration
 * parser use them, so every front door gets the same checks and the same messages.
 *
 * Messages name the field, never echo the value: input may hold secrets.
 *
 * @module
 */

import { SessionError } from "./errors.ts";

export type Input = Record<string, unknown>;

export function invalid(field: string, expectation: string): SessionError {
  return new SessionError("INVALID_ARGUMENT", `${field} ${expectation}.`, { details: { field } });
}

/** The input as an object; anything else (array, null, text) is refused. */
export function asObject(value: unknown, field = "The request body"): Input {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be an object");
  return value as Input;
}

/** Refuses fields the operation does not know, so typos are not silently ignored. */
export function onlyFields(input: Input, allowed: readonly string[], where = "the request"): void {
  for (const name of Object.keys(input)) {
    if (!allowed.includes(name)) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `Unknown field in ${where}; allowed: ${allowed.join(", ") || "none"}.`,
        {
          details: { field: name },
        },
      );
    }
  }
}

export function optionalString(input: Input, field: string, options: { max?: number; pattern?: RegExp } = {}) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(field, "must be a string");
  if (options.max !== undefined && value.length > options.max)
    throw invalid(field, `must be at most ${options.max} characters`);
  if (options.pattern && !options.pattern.test(value)) throw invalid(field, "has an invalid format");
  return value;
}

export function requiredString(input: Input, field: string, options: { max?: number; pattern?: RegExp } = {}): string {
  const value = optionalString(input, field, options);
  if (value === undefined || value === "") throw invalid(field, "is required");
  return value;
}

export function optionalInteger(input: Input, field: string, options: { min?: number; max?: number } = {}) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw invalid(field, "must be an integer");
  if (options.min !== undefined && value < options.min) throw invalid(field, `must be at least ${options.min}`);
  if (options.max !== undefined && value > options.max) throw invalid(field, `must be at most ${options.max}`);
  return value;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalid(field, "must be true or false");
  return value;
}

export function optionalStringArray(input: Input, field: string, options: { max?: number } = {}) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw invalid(field, "must be a list of strings");
  if (options.max !== undefined && value.length > options.max)
    throw invalid(field, `must hold at most ${options.max} items`);
  return value as string[];
}

export function oneOf<T extends string>(input: Input, field: string, choices: readonly T[]): T | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${choices.join(", ")}`);
  }
  return value as T;
}

/** Names of realms, users and groups: letters, digits and `._@-`, 1 to 64 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Realm names are slugs: they appear in URLs (httpkom `server_id`). */
export const REALM_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
