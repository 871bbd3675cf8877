/**
 * Input declared once, as a JSON Schema with static types (TypeBox), and read from untrusted values.
 *
 * Each operation declares its input here (`Operation.input`), and from that one declaration come its
 * parsing (`parseInput`), the JSON API's route schemas and OpenAPI document, the configuration reader
 * for realms, users and groups, and the limits front doors check where a field maps one to one.
 *
 * `parseInput` walks the schema itself rather than compiling it, so that its messages stay those of
 * the readers operations used before (`validate.ts`): they name the field and what it must be, never
 * echo the value (input may hold secrets). A schema may carry an `errorMessage` annotation, which then
 * replaces the message for any fault at that node. `null` counts as absent unless the field is
 * nullable, as it always has for clients that send `null` for "not given".
 *
 * @module
 */

import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { SessionError } from "./errors.ts";

export { type Static, type TSchema, Type };

/**
 * A text that must be one of `values`, as a plain JSON Schema `enum` (clearer in OpenAPI than a union
 * of constants), typed as the union of the values.
 */
export function choiceOf<const T extends readonly string[]>(
  values: T,
  options: { description?: string; errorMessage?: string } = {},
) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/** An object schema's properties without some of them (`Type.Omit` drops the object's options). */
export function withoutFields<P extends Record<string, TSchema>, K extends keyof P & string>(
  properties: P,
  names: readonly K[],
): Omit<P, K> {
  const kept = { ...properties };
  for (const name of names) delete kept[name];
  return kept;
}

/** One fault in the input: where, and what the value there must be. */
export interface InputFault {
  /** The field's path (`client.name`, `entries[2].value`), or "The request body" for the whole input. */
  path: string;
  /** What it must be: "must be a string", "is required". */
  expectation: string;
  /** Set for a field the schema does not know: where it was found, and the fields allowed there. */
  unknownField?: { where: string; allowed: string[] };
}

/** How a fault in the input is reported: it throws. */
export type FaultReporter = (fault: InputFault) => never;

export interface ParseOptions {
  /** The path the value sits at (`realms[0]`), prefixed to every field; empty for a request body. */
  path?: string;
  /** What the whole input is called in messages ("the request", "realms[0]"). @default "the request" */
  where?: string;
  /** How faults are reported. @default `INVALID_ARGUMENT` naming the field */
  fail?: FaultReporter;
}

/**
 * The request's error: `INVALID_ARGUMENT`, naming the field in the message and in `details.field`. An
 * unknown field is named in `details` only: its name came from the caller.
 */
export const invalidArgument: FaultReporter = ({ path, expectation, unknownField }) => {
  if (unknownField) {
    const allowed = unknownField.allowed.join(", ") || "none";
    throw new SessionError("INVALID_ARGUMENT", `Unknown field in ${unknownField.where}; allowed: ${allowed}.`, {
      details: { field: path },
    });
  }
  throw new SessionError("INVALID_ARGUMENT", `${path} ${expectation}.`, { details: { field: path } });
};

/** A schema node as JSON Schema sees it (TypeBox schemas are plain JSON Schema objects). */
interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean | Node;
  items?: Node;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  errorMessage?: string;
}

const patterns = new Map<string, RegExp>();
function regExp(pattern: string): RegExp {
  let compiled = patterns.get(pattern);
  if (!compiled) {
    compiled = new RegExp(pattern, "u");
    patterns.set(pattern, compiled);
  }
  return compiled;
}

/** The values a node allows when it is a choice of constants (`Type.Union` of literals, or `enum`). */
function choices(node: Node): unknown[] | undefined {
  if (node.enum) return node.enum;
  if (node.anyOf?.every((branch) => "const" in branch)) return node.anyOf.map((branch) => branch.const);
  return undefined;
}

/** A nullable node (`Type.Union([X, Type.Null()])`): the non-null branch, or undefined. */
function nullable(node: Node): Node | undefined {
  if (node.anyOf?.length !== 2) return undefined;
  const [a, b] = node.anyOf;
  if (a?.type === "null") return b;
  if (b?.type === "null") return a;
  return undefined;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/**
 * Reads `raw` as the schema says and returns it typed, or reports the first fault. Fields the schema
 * does not know are refused (so typos are not silently ignored) when it says `additionalProperties:
 * false`; `undefined` for the whole input reads as an empty object.
 */
export function parseInput<S extends TSchema>(schema: S, raw: unknown, options: ParseOptions = {}): Static<S> {
  const fail = options.fail ?? invalidArgument;
  const where = options.where ?? "the request";
  const root = raw === undefined && (schema as Node).type === "object" ? {} : raw;
  return read(schema as Node, root, options.path ?? "", true) as Static<S>;

  function fault(node: Node, path: string, expectation: string): never {
    return fail({ path: path === "" ? "The request body" : path, expectation: node.errorMessage ?? expectation });
  }

  function read(node: Node, value: unknown, path: string, isRoot = false): unknown {
    const allowed = choices(node);
    if (allowed) {
      if (!allowed.includes(value)) fault(node, path, `must be one of ${allowed.join(", ")}`);
      return value;
    }
    const inner = nullable(node);
    if (inner)
      return value === null
        ? null
        : read({ ...inner, errorMessage: node.errorMessage ?? inner.errorMessage }, value, path);
    if (node.anyOf) {
      for (const branch of node.anyOf) {
        try {
          return read(branch, value, path);
        } catch {
          // Try the next branch; the union's own message (or the last branch's) says what was wrong.
        }
      }
      return read(node.anyOf[node.anyOf.length - 1] ?? {}, value, path);
    }
    switch (node.type) {
      case "object":
        return readObject(node, value, path, isRoot);
      case "array":
        return readArray(node, value, path);
      case "string":
        return readString(node, value, path);
      case "integer":
        return readInteger(node, value, path);
      case "boolean":
        if (typeof value !== "boolean") fault(node, path, "must be true or false");
        return value;
      default:
        return value;
    }
  }

  function readObject(node: Node, value: unknown, path: string, isRoot: boolean): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) fault(node, path, "must be an object");
    const input = value as Record<string, unknown>;
    const properties = node.properties ?? {};
    const names = Object.keys(properties);
    const extra = node.additionalProperties;
    if (extra === false) {
      for (const name of Object.keys(input)) {
        if (!Object.hasOwn(properties, name)) {
          fail({
            path: join(path, name),
            expectation: "is not a known field",
            unknownField: { where: isRoot ? where : path, allowed: names },
          });
        }
      }
    }
    const required = new Set(node.required ?? []);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const child = properties[name] as Node;
      const given = input[name];
      if (given === undefined || (given === null && !nullable(child))) {
        if (required.has(name)) fault(child, join(path, name), "is required");
        continue;
      }
      out[name] = read(child, given, join(path, name));
    }
    if (typeof extra === "object") {
      for (const [name, given] of Object.entries(input)) {
        if (!Object.hasOwn(properties, name)) out[name] = read(extra, given, join(path, name));
      }
    }
    return out;
  }

  function readArray(node: Node, value: unknown, path: string): unknown[] {
    const itemsAreText = node.items?.type === "string";
    if (!Array.isArray(value)) fault(node, path, itemsAreText ? "must be a list of strings" : "must be a list");
    if (node.minItems !== undefined && value.length < node.minItems) {
      fault(node, path, `must hold at least ${node.minItems} items`);
    }
    if (node.maxItems !== undefined && value.length > node.maxItems) {
      fault(node, path, `must hold at most ${node.maxItems} items`);
    }
    if (!node.items) return value;
    const items = node.items;
    // A list with a message of its own ("must name known privileges") says it for a bad item too,
    // unless the item has its own.
    const itemFault = node.errorMessage !== undefined && items.errorMessage === undefined ? node : undefined;
    return value.map((item, i) => {
      if (itemsAreText && typeof item !== "string") fault(node, path, "must be a list of strings");
      if (!itemFault) return read(items, item, `${path}[${i}]`);
      try {
        return read(items, item, `${path}[${i}]`);
      } catch {
        return fault(itemFault, path, "");
      }
    });
  }

  function readString(node: Node, value: unknown, path: string): string {
    if (typeof value !== "string") fault(node, path, "must be a string");
    if (node.maxLength !== undefined && value.length > node.maxLength) {
      fault(node, path, `must be at most ${node.maxLength} characters`);
    }
    if (node.pattern !== undefined && !regExp(node.pattern).test(value)) fault(node, path, "has an invalid format");
    // A required text that is empty was not given, as far as the caller can tell.
    if (value === "" && (node.minLength ?? 0) > 0) fault(node, path, "is required");
    if (node.minLength !== undefined && value.length < node.minLength) {
      fault(node, path, `must be at least ${node.minLength} characters`);
    }
    return value;
  }

  function readInteger(node: Node, value: unknown, path: string): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) fault(node, path, "must be an integer");
    if (node.minimum !== undefined && value < node.minimum) fault(node, path, `must be at least ${node.minimum}`);
    if (node.maximum !== undefined && value > node.maximum) fault(node, path, `must be at most ${node.maximum}`);
    return value;
  }
}
