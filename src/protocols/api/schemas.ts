/**
 * JSON schemas of the JSON API: they validate requests, speed up serialisation, and are the source of
 * the OpenAPI document at `/api/v1/openapi.json`. Request bodies are made of the operations' own input
 * schemas (`bodyOf`), so that a limit is declared once, in the core; responses are described here.
 *
 * @module
 */

import { ERROR_CODE_NAMES } from "../../core/errors.ts";
import { SESSION_KEY } from "../../core/fields.ts";
import type { Operation } from "../../core/operation.ts";
import * as ops from "../../core/ops/index.ts";
import { PRIVILEGES } from "../../core/privileges.ts";
import type { TSchema } from "../../core/schema.ts";
import { PROTOCOLS } from "../../core/types.ts";

const nullableString = { type: ["string", "null"] } as const;
const nullableInteger = { type: ["integer", "null"] } as const;
const epochMs = { type: "integer", description: "Epoch milliseconds" } as const;
const nullableEpochMs = { type: ["integer", "null"], description: "Epoch milliseconds, or null" } as const;

export const errorSchema = {
  $id: "Error",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "id", "message"],
      properties: {
        code: { type: "string", enum: ERROR_CODE_NAMES },
        id: { type: "integer" },
        message: { type: "string" },
      },
    },
  },
} as const;

export const clientSchema = {
  $id: "Client",
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", maxLength: 128 },
    version: { type: "string", maxLength: 64 },
    ipAddress: { type: "string" },
    userAgent: { type: "string" },
  },
} as const;

export const sessionSchema = {
  $id: "Session",
  type: "object",
  description: "A session as callers see it. Never holds a secret.",
  properties: {
    key: { type: "string", description: "Public, stable id: use it to terminate the session." },
    number: { type: "integer", description: "Public small number, increasing per server." },
    realm: { type: "string" },
    userName: nullableString,
    fullName: nullableString,
    protocol: { type: "string", enum: PROTOCOLS },
    createdAt: epochMs,
    loginAt: nullableEpochMs,
    lastActiveAt: epochMs,
    userActiveAt: nullableEpochMs,
    callCount: { type: "integer" },
    locale: { type: "string" },
    messageLocale: { type: "string" },
    client: { $ref: "Client#" },
    idleTimeoutMs: nullableInteger,
    expiresAt: nullableEpochMs,
    deadlineAt: { ...nullableEpochMs, description: "When the session ends if nothing happens." },
    binding: { type: ["string", "null"], enum: ["server", "connection", null] },
    node: {
      type: ["string", "null"],
      description: "The node a bound session lives and dies with; null: unbound, served by every node",
    },
    impersonatedBy: nullableString,
  },
} as const;

const userProperties = {
  realm: { type: "string" },
  number: { type: "integer" },
  name: { type: "string" },
  fullName: { type: "string" },
  groups: { type: "array", items: { type: "string" } },
  privileges: { type: "array", items: { type: "string" } },
  disabled: { type: "boolean" },
  createdAt: epochMs,
} as const;

export const userSchema = { $id: "User", type: "object", properties: userProperties } as const;

export const loginResultSchema = {
  $id: "LoginResult",
  type: "object",
  properties: {
    secret: {
      type: "string",
      description: "Bearer secret of a new session, or the caller's session's new secret when `secretRotated` is true.",
    },
    secretRotated: {
      type: "boolean",
      description: "The caller's own session was logged in and its secret replaced: the one sent no longer works.",
    },
    session: { $ref: "Session#" },
    user: { $ref: "User#" },
    serviceMessage: { type: "string" },
  },
} as const;

export const sharedSchemas = [errorSchema, clientSchema, sessionSchema, userSchema, loginResultSchema];

/**
 * A route body made of some of an operation's input fields, exactly as the operation declares them:
 * the route checks what the operation will check, and the OpenAPI document shows it. `required` may
 * add fields the route needs though the operation does not (it takes one of several).
 */
export function bodyOf(
  op: Pick<Operation<unknown, unknown>, "name" | "input">,
  fields: readonly string[],
  options: { required?: readonly string[] } = {},
): RouteSchema {
  const input = op.input as { properties?: Record<string, TSchema>; required?: string[] };
  const properties: Record<string, unknown> = {};
  for (const name of fields) {
    const field = input.properties?.[name];
    if (!field) throw new Error(`Operation ${op.name} has no input field ${name}.`);
    properties[name] = routeSchemaOf(field);
  }
  const required = [...(input.required ?? []).filter((name) => fields.includes(name)), ...(options.required ?? [])];
  return { type: "object", additionalProperties: false, properties, ...(required.length ? { required } : {}) };
}

export type RouteSchema = {
  type: "object";
  additionalProperties: false;
  properties: Record<string, unknown>;
  required?: string[];
};

/**
 * An operation's field schema as a route states it: plain JSON, without the `errorMessage` the core's
 * reader understands and ajv would refuse as an unknown keyword.
 */
export function routeSchemaOf(field: TSchema): unknown {
  return JSON.parse(JSON.stringify(field, (key, value) => (key === "errorMessage" ? undefined : value)));
}

export const createSessionBody = bodyOf(ops.createSession, ["realm", "idleTimeoutSeconds", "client"]);

export const loginBody = bodyOf(ops.login, [
  "userName",
  "password",
  "locale",
  "newSession",
  "realm",
  "idleTimeoutSeconds",
  "client",
]);

export const impersonateBody = bodyOf(
  ops.impersonate,
  ["userName", "locale", "inPlace", "realm", "idleTimeoutSeconds", "client"],
  { required: ["userName"] },
);

export const cloneBody = bodyOf(ops.cloneSession, ["ticket", "idleTimeoutSeconds", "client"]);

export const localeBody = bodyOf(ops.setLocale, ["locale"]);

export const serviceMessageBody = bodyOf(ops.updateServiceMessage, ["text", "byLocale"]);

export const serviceMessageSchema = {
  type: "object",
  properties: {
    text: { type: "string" },
    byLocale: { type: "object", additionalProperties: { type: "string" } },
    updatedAt: nullableEpochMs,
    updatedBy: nullableString,
    localized: { type: "string" },
  },
} as const;

export const localTicketBody = bodyOf(ops.acquireLocalTicket, ["userName", "realm"]);

/** The attribute's name comes in the path, its value in the body. */
export const attributeBody = bodyOf(ops.putAttribute, ["value"]);
export const attributeParams = bodyOf(ops.getAttribute, ["name"]);

export const keyParams = { type: "object", required: ["key"], properties: { key: routeSchemaOf(SESSION_KEY) } };

export const listSessionsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    realm: { type: "string", maxLength: 63 },
    userName: { type: "string", maxLength: 200 },
    protocol: { type: "string", enum: PROTOCOLS },
    after: {
      type: "string",
      pattern: "^[0-9]{1,15}$",
      description: "An integer: the `nextAfter` of the previous page",
    },
    limit: { type: "string", pattern: "^[0-9]{1,4}$", description: "An integer from 1 to 1000 (default 100)" },
  },
} as const;

export const terminateBody = bodyOf(ops.terminateSessions, ["sessions", "mode"]);

export const terminateResultSchema = {
  type: "object",
  properties: {
    results: {
      type: "array",
      items: {
        type: "object",
        properties: {
          session: { type: ["string", "integer"] },
          key: nullableString,
          outcome: { type: "string", enum: ["terminated", "not-found", "no-permission"] },
        },
      },
    },
  },
} as const;

export const whoAmISchema = {
  type: "object",
  properties: {
    session: { $ref: "Session#" },
    // Not `anyOf`: the serialiser would validate each branch on every response to choose one.
    user: { type: ["object", "null"], properties: userProperties },
    privileges: { type: "array", items: { type: "string", enum: PRIVILEGES } },
  },
} as const;

export const errorResponses = {
  400: { $ref: "Error#" },
  401: { $ref: "Error#" },
  403: { $ref: "Error#" },
  404: { $ref: "Error#" },
  409: { $ref: "Error#" },
  429: { $ref: "Error#" },
  500: { $ref: "Error#" },
  503: { $ref: "Error#" },
} as const;

export const bearer = [{ bearer: [] }];
