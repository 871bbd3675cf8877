/**
 * JSON schemas of the JSON API: they validate requests, speed up serialisation, and are the source of
 * the OpenAPI document at `/api/v1/openapi.json`.
 *
 * @module
 */

import { ERROR_CODE_NAMES } from "../../core/errors.ts";
import { PRIVILEGES } from "../../core/privileges.ts";
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
      description: "Bearer secret of a new session; absent when the caller's own session was logged in.",
    },
    session: { $ref: "Session#" },
    user: { $ref: "User#" },
    serviceMessage: { type: "string" },
  },
} as const;

export const sharedSchemas = [errorSchema, clientSchema, sessionSchema, userSchema, loginResultSchema];

const newSessionProperties = {
  realm: { type: "string", maxLength: 63 },
  idleTimeoutSeconds: { type: "integer", minimum: 1, maximum: 31622400 },
  client: { $ref: "Client#" },
} as const;

export const createSessionBody = {
  type: "object",
  additionalProperties: false,
  properties: newSessionProperties,
} as const;

export const loginBody = {
  type: "object",
  additionalProperties: false,
  required: ["userName", "password"],
  properties: {
    userName: { type: "string", minLength: 1, maxLength: 200, description: "`name` or `name@realm`" },
    password: { type: "string", minLength: 1, maxLength: 1024, description: "The password, or a local ticket" },
    locale: { type: "string", maxLength: 16 },
    newSession: { type: "boolean", description: "Log in into a new session even when the caller has one" },
    ...newSessionProperties,
  },
} as const;

export const impersonateBody = {
  type: "object",
  additionalProperties: false,
  required: ["userName"],
  properties: {
    userName: { type: "string", minLength: 1, maxLength: 200 },
    locale: { type: "string", maxLength: 16 },
    inPlace: { type: "boolean", description: "Turn the caller's own session into the user's" },
    ...newSessionProperties,
  },
} as const;

export const cloneBody = {
  type: "object",
  additionalProperties: false,
  required: ["ticket"],
  properties: {
    ticket: { type: "string", minLength: 1, maxLength: 256 },
    idleTimeoutSeconds: newSessionProperties.idleTimeoutSeconds,
    client: newSessionProperties.client,
  },
} as const;

export const localeBody = {
  type: "object",
  additionalProperties: false,
  required: ["locale"],
  properties: { locale: { type: "string", maxLength: 16 } },
} as const;

export const serviceMessageBody = {
  type: "object",
  additionalProperties: false,
  required: ["text"],
  properties: {
    text: { type: "string", maxLength: 4096, description: "An empty text clears the message" },
    byLocale: { type: "object", additionalProperties: { type: "string", maxLength: 4096 } },
  },
} as const;

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

export const localTicketBody = {
  type: "object",
  additionalProperties: false,
  required: ["userName"],
  properties: { userName: { type: "string", minLength: 1, maxLength: 200 }, realm: { type: "string", maxLength: 63 } },
} as const;

export const attributeBody = {
  type: "object",
  additionalProperties: false,
  required: ["value"],
  properties: { value: { type: "string" } },
} as const;

export const attributeParams = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string", minLength: 1, maxLength: 1024 } },
} as const;

export const keyParams = {
  type: "object",
  required: ["key"],
  properties: { key: { type: "string", minLength: 1, maxLength: 64 } },
} as const;

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

export const terminateBody = {
  type: "object",
  additionalProperties: false,
  required: ["sessions"],
  properties: {
    sessions: {
      type: "array",
      minItems: 1,
      maxItems: 1000,
      items: { type: ["string", "integer"] },
      description: "Session keys, or session numbers",
    },
    mode: {
      type: "string",
      enum: ["batch", "in-order"],
      default: "batch",
      description: "`batch`: a result per session. `in-order`: stop at the first failure, as vSphere does.",
    },
  },
} as const;

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
