/**
 * What a vSphere method gets to work with (`VimCall`), and the parameters it declares (`ParamSpec`),
 * read alike from a SOAP method element's children and from a JSON API request body.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import type { Caller, Operation } from "../../core/operation.ts";
import { invalidParameter, parameterText } from "../kit/params.ts";
import { scopeOf } from "../kit/request-scope.ts";
import { childElements, hasText, type XmlElement, xsiTypeOf } from "../xml.ts";
import type { VimCall } from "./vim-call.ts";

export type { VimCall };

import { readMoRef } from "./soap.ts";
import type { MoRef, VimValue } from "./values.ts";

/** The same call for the caller as it is now (after a wait), with a scope that runs for it. */
export function withCaller(call: VimCall, caller: Caller): VimCall {
  return { ...call, caller, scope: scopeOf(call.engine, caller) };
}

export type Args = Readonly<Record<string, unknown>>;

export interface ParamSpec {
  /** The WSDL parameter name. */
  name: string;
  required?: boolean;
  /** Reads the parameter from its SOAP elements (one or more with this name). */
  fromXml(elements: readonly XmlElement[]): unknown;
  /** Reads the parameter from its JSON value. */
  fromJson(value: unknown): unknown;
}

export interface MethodSpec {
  /**
   * The engine operation the method runs, when it runs one: whether a caller must be logged in is
   * then the operation's own rule (its `auth`), read as vSphere reads it (vSphere has no anonymous
   * sessions, so only operations any caller may run are open without a login).
   */
  operation?: Pick<Operation<unknown, unknown>, "name" | "auth">;
  /**
   * For a method the front door answers itself (no operation): callable without a logged-in session
   * (vcsim's list: the service content, property reads, the logins sessiond does not support).
   */
  anonymous?: boolean;
  /**
   * Only reads, so a caller holding a generic service ticket may call it. The operations a method
   * runs are checked by the core too; this covers what the front door answers itself.
   */
  readOnly?: boolean;
  params: readonly ParamSpec[];
  /** A list result: SOAP writes one `<returnval>` per item. */
  returnsList?: boolean;
  /** The core's names of input fields mapped to this method's parameter names, for `invalidProperty`. */
  wireFields?: Readonly<Record<string, string>>;
  run(call: VimCall, args: Args): Promise<VimValue | undefined>;
}

/**
 * A parameter or field the method does not know. The message lists what it takes and does not repeat
 * what the client sent; the name goes only into `invalidProperty`, the fault's field for it.
 */
function unknownParam(where: string, given: string, known: readonly string[]): SessionError {
  return new SessionError(
    "INVALID_ARGUMENT",
    `${where} holds a parameter it does not take; it takes ${known.length === 0 ? "none" : known.join(", ")}.`,
    { details: { field: given.slice(0, 64), wireField: given.slice(0, 64) } },
  );
}

/** A bad parameter: vSphere faults name it twice, as the core's field and as the wire's. */
export function invalidParam(name: string, expectation: string): SessionError {
  return invalidParameter(name, expectation, { wireField: name });
}

function single(name: string, elements: readonly XmlElement[]): XmlElement {
  const [first, ...rest] = elements;
  if (!first || rest.length > 0) throw invalidParam(name, "must be given once");
  return first;
}

function textIn(name: string, element: XmlElement): string {
  return parameterText(element, name, "must be text", { wireField: name });
}

const MAX_TEXT = 64 * 1024;

/** A `xsd:string` parameter. */
export function text(name: string, options: { required?: boolean; max?: number } = {}): ParamSpec {
  const max = options.max ?? MAX_TEXT;
  const check = (value: string) => {
    if (value.length > max) throw invalidParam(name, `must be at most ${max} characters`);
    return value;
  };
  return {
    name,
    required: options.required ?? true,
    fromXml: (elements) => check(textIn(name, single(name, elements))),
    fromJson(value) {
      if (typeof value !== "string") throw invalidParam(name, "must be a string");
      return check(value);
    },
  };
}

/** A `xsd:string[]` parameter: repeated elements in SOAP, an array in JSON. */
export function texts(name: string, options: { required?: boolean; max?: number } = {}): ParamSpec {
  const max = options.max ?? 1000;
  const check = (values: string[]) => {
    if (values.length > max) throw invalidParam(name, `may hold at most ${max} items`);
    if (values.some((v) => v.length > 1024)) throw invalidParam(name, "holds an item that is too long");
    return values;
  };
  return {
    name,
    required: options.required ?? true,
    fromXml: (elements) => check(elements.map((e) => textIn(name, e))),
    fromJson(value) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
        throw invalidParam(name, "must be a list of strings");
      }
      return check(value);
    },
  };
}

/** An `xsd:boolean` parameter. */
export function boolean(name: string): ParamSpec {
  return {
    name,
    required: false,
    fromXml(elements) {
      const raw = textIn(name, single(name, elements)).trim();
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw invalidParam(name, "must be true or false");
    },
    fromJson(value) {
      if (typeof value !== "boolean") throw invalidParam(name, "must be true or false");
      return value;
    },
  };
}

/** A data object parameter read by `read`, from a SOAP element or a JSON object alike. */
export function object<T>(
  name: string,
  read: (source: ObjectSource) => T,
  options: { required?: boolean } = {},
): ParamSpec {
  return {
    name,
    required: options.required ?? true,
    fromXml: (elements) => read(xmlSource(name, single(name, elements))),
    fromJson: (value) => read(jsonSource(name, value)),
  };
}

/** A list of data objects. */
export function objects<T>(name: string, read: (source: ObjectSource) => T, options: { max?: number } = {}): ParamSpec {
  const max = options.max ?? 100;
  return {
    name,
    required: true,
    fromXml(elements) {
      if (elements.length > max) throw invalidParam(name, `may hold at most ${max} items`);
      return elements.map((e, i) => read(xmlSource(`${name}[${i}]`, e)));
    },
    fromJson(value) {
      if (!Array.isArray(value) || value.length > max) throw invalidParam(name, `must be a list of at most ${max}`);
      return value.map((v, i) => read(jsonSource(`${name}[${i}]`, v)));
    },
  };
}

/**
 * A data object as either wire form gives it, so one reader serves both: its type (`xsi:type` or
 * `_typeName`), and its fields by name.
 */
export interface ObjectSource {
  readonly path: string;
  readonly type: string | undefined;
  text(field: string): string | undefined;
  texts(field: string): string[];
  boolean(field: string): boolean | undefined;
  integer(field: string): number | undefined;
  moRef(field: string): MoRef | undefined;
  objects(field: string): ObjectSource[];
  /** Refuses fields this reader does not know. */
  only(fields: readonly string[]): void;
}

function xmlSource(path: string, element: XmlElement): ObjectSource {
  if (hasText(element)) throw invalidParam(path, "must be an object");
  const children = childElements(element);
  const named = (field: string) => children.filter((c) => c.local === field);
  const one = (field: string) => {
    const found = named(field);
    if (found.length > 1) throw invalidParam(`${path}.${field}`, "must be given at most once");
    return found[0];
  };
  const textField = (field: string) => {
    const e = one(field);
    return e === undefined ? undefined : textIn(`${path}.${field}`, e);
  };
  return {
    path,
    type: xsiTypeOf(element)?.local,
    text: textField,
    texts: (field) => named(field).map((e) => textIn(`${path}.${field}`, e)),
    boolean(field) {
      const raw = textField(field)?.trim();
      if (raw === undefined) return undefined;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw invalidParam(`${path}.${field}`, "must be true or false");
    },
    integer(field) {
      const raw = textField(field)?.trim();
      if (raw === undefined) return undefined;
      if (!/^[+-]?\d{1,12}$/.test(raw)) throw invalidParam(`${path}.${field}`, "must be an integer");
      return Number(raw);
    },
    moRef(field) {
      const e = one(field);
      return e === undefined ? undefined : readMoRef(e);
    },
    objects: (field) => named(field).map((e, i) => xmlSource(`${path}.${field}[${i}]`, e)),
    only(fields) {
      const unknown = children.find((c) => !fields.includes(c.local));
      if (unknown) throw unknownParam(path, unknown.local, fields);
    },
  };
}

function jsonSource(path: string, value: unknown): ObjectSource {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalidParam(path, "must be an object");
  const raw = value as Record<string, unknown>;
  const field = (name: string) => raw[name];
  const typeName = raw._typeName;
  return {
    path,
    type: typeof typeName === "string" ? typeName : undefined,
    text(name) {
      const v = field(name);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "string") throw invalidParam(`${path}.${name}`, "must be a string");
      return v;
    },
    texts(name) {
      const v = field(name);
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
        throw invalidParam(`${path}.${name}`, "must be a list of strings");
      }
      return v;
    },
    boolean(name) {
      const v = field(name);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "boolean") throw invalidParam(`${path}.${name}`, "must be true or false");
      return v;
    },
    integer(name) {
      const v = field(name);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "number" || !Number.isSafeInteger(v))
        throw invalidParam(`${path}.${name}`, "must be an integer");
      return v;
    },
    moRef(name) {
      const v = field(name);
      if (v === undefined || v === null) return undefined;
      const ref = v as Record<string, unknown>;
      if (typeof ref.type !== "string" || typeof ref.value !== "string") {
        throw invalidParam(`${path}.${name}`, "must be a ManagedObjectReference");
      }
      return { kind: "moref", type: ref.type, value: ref.value };
    },
    objects(name) {
      const v = field(name);
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) throw invalidParam(`${path}.${name}`, "must be a list");
      return v.map((item, i) => jsonSource(`${path}.${name}[${i}]`, item));
    },
    only(fields) {
      const unknown = Object.keys(raw).find((name) => name !== "_typeName" && !fields.includes(name));
      if (unknown !== undefined) throw unknownParam(path, unknown, fields);
    },
  };
}

/** Reads a method's parameters from its SOAP elements; unknown or repeated parameters are refused. */
export function argsFromXml(spec: MethodSpec, params: readonly XmlElement[]): Args {
  const args: Record<string, unknown> = {};
  const known = new Set(spec.params.map((p) => p.name));
  const unknown = params.find((p) => !known.has(p.local));
  if (unknown) throw unknownParam("The method", unknown.local, [...known]);
  for (const param of spec.params) {
    const elements = params.filter((p) => p.local === param.name);
    if (elements.length === 0) {
      if (param.required) throw invalidParam(param.name, "is required");
      continue;
    }
    args[param.name] = param.fromXml(elements);
  }
  return args;
}

/** Reads a method's parameters from a JSON API body (`_typeName` is ignored, as govmomi sends it). */
export function argsFromJson(spec: MethodSpec, body: unknown): Args {
  const raw = body === undefined || body === null ? {} : body;
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam("body", "must be a JSON object");
  const input = raw as Record<string, unknown>;
  const known = new Set(spec.params.map((p) => p.name));
  const unknown = Object.keys(input).find((name) => name !== "_typeName" && !known.has(name));
  if (unknown !== undefined) throw unknownParam("The method", unknown, [...known]);
  const args: Record<string, unknown> = {};
  for (const param of spec.params) {
    const value = input[param.name];
    if (value === undefined || value === null) {
      if (param.required) throw invalidParam(param.name, "is required");
      continue;
    }
    args[param.name] = param.fromJson(value);
  }
  return args;
}
