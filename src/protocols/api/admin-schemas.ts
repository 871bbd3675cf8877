/**
 * JSON schemas of the admin routes (`admin-routes.ts`): directory and audit. Bodies are the
 * operations' own input fields (`bodyOf`), as everywhere in the JSON API; responses are described
 * here. A realm's settings are described from the realm input itself, so that a setting added to
 * realms is answered without being listed twice.
 *
 * @module
 */

import { PUT_REALM_INPUT } from "../../core/directory-input.ts";
import { MAX_REALM_NAME_LENGTH, REALM_REFERENCE } from "../../core/fields.ts";
import * as ops from "../../core/ops/index.ts";
import { PRIVILEGES } from "../../core/privileges.ts";
import type { TSchema } from "../../core/schema.ts";
import { AUDIT_KINDS, PROTOCOLS } from "../../core/types.ts";
import { bodyOf, routeSchemaOf } from "./schemas.ts";

const nullableString = { type: ["string", "null"] } as const;
const epochMs = { type: "integer", description: "Epoch milliseconds" } as const;

/** A setting's type as a response states it: plain types only (`anyOf` would be checked per answer). */
function responseFieldOf(field: TSchema): Record<string, unknown> {
  const node = field as { type?: string; items?: { type?: string }; anyOf?: { type?: string }[] };
  if (node.anyOf) {
    const types = node.anyOf.map((branch) => branch.type).filter((type) => type !== undefined);
    return { type: types };
  }
  return node.items ? { type: node.type, items: { type: node.items.type } } : { type: node.type };
}

const realmSettings = Object.fromEntries(
  Object.entries(PUT_REALM_INPUT.properties)
    .filter(([name]) => name !== "mode")
    .map(([name, field]) => [name, responseFieldOf(field as TSchema)]),
);

export const realmSchema = {
  $id: "Realm",
  type: "object",
  description: "A realm and its session policy.",
  properties: {
    ...realmSettings,
    id: { type: "string", description: "GUID; the default realm's is all zeros." },
    isDefault: { type: "boolean", description: "Logins that name no realm go here; it cannot be deleted." },
  },
} as const;

export const groupSchema = {
  $id: "Group",
  type: "object",
  properties: {
    realm: { type: "string" },
    number: { type: "integer" },
    name: { type: "string" },
    privileges: { type: "array", items: { type: "string", enum: PRIVILEGES } },
  },
} as const;

export const auditEntrySchema = {
  $id: "AuditEntry",
  type: "object",
  description: "One entry of the audit log. Never holds a password, a secret or a ticket.",
  properties: {
    id: { type: "integer", description: "Increasing: pass the last one seen as `after`." },
    at: epochMs,
    kind: { type: "string", enum: AUDIT_KINDS },
    realm: nullableString,
    userName: {
      ...nullableString,
      description: "The user it is about; a failed login's unknown name shows only as `unknown:` and a digest.",
    },
    sessionKey: nullableString,
    actor: { ...nullableString, description: "Who did it, when not the user it is about: `name@realm`." },
    ipAddress: nullableString,
    protocol: { type: ["string", "null"], enum: [...PROTOCOLS, null] },
    detail: nullableString,
  },
} as const;

export const adminSchemas = [realmSchema, groupSchema, auditEntrySchema];

const integerText = (description: string) =>
  ({ type: "string", pattern: "^[0-9]{1,15}$", description: `An integer: ${description}` }) as const;
const limitText = {
  type: "string",
  pattern: "^[0-9]{1,4}$",
  description: "An integer from 1 to 1000 (default 100)",
} as const;

export const realmParams = {
  type: "object",
  required: ["realm"],
  properties: { realm: routeSchemaOf(REALM_REFERENCE) },
} as const;

export const realmPageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    after: {
      type: "string",
      maxLength: MAX_REALM_NAME_LENGTH,
      description: "A realm's name: the `nextAfter` of the previous page",
    },
    limit: limitText,
  },
} as const;

/**
 * A page of users or groups: by number, or, with `prefix` (a search of the whole realm), by name. The
 * name fields are the operation's own (`listUsers` and `listGroups` declare them alike).
 */
export const directoryPageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    after: integerText("the `nextAfter` of the previous page, in number order"),
    ...bodyOf(ops.listUsers, ["prefix", "afterName"]).properties,
    limit: limitText,
  },
} as const;

export const auditQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    realm: { type: "string", maxLength: MAX_REALM_NAME_LENGTH },
    userName: { type: "string", maxLength: 200, description: "With no realm, the name in every realm" },
    kind: { type: "string", enum: AUDIT_KINDS },
    ...bodyOf(ops.listAudit, ["sessionKey"]).properties,
    after: integerText("the `nextAfter` of the previous page"),
    limit: limitText,
  },
} as const;

const realmFields = Object.keys(PUT_REALM_INPUT.properties).filter((name) => name !== "mode");
export const createRealmBody = bodyOf(ops.putRealm, realmFields);
export const updateRealmBody = bodyOf(
  ops.putRealm,
  realmFields.filter((name) => name !== "name" && name !== "id"),
);

export const userParams = bodyOf(ops.getUser, ["realm", "name"]);
export const createUserBody = bodyOf(ops.putUser, [
  "name",
  "number",
  "fullName",
  "password",
  "passwordHash",
  "groups",
  "privileges",
  "disabled",
]);
export const updateUserBody = bodyOf(ops.putUser, ["number", "fullName", "groups", "privileges", "disabled"]);
export const passwordBody = bodyOf(ops.setPassword, ["password"]);
export const loginTicketBody = bodyOf(ops.issueLoginTicket, ["ttlSeconds"]);

export const groupParams = bodyOf(ops.getGroup, ["realm", "name"]);
export const createGroupBody = bodyOf(ops.putGroup, ["name", "number", "privileges"]);
export const updateGroupBody = bodyOf(ops.putGroup, ["number", "privileges"]);

export const sessionsEndedSchema = {
  type: "object",
  properties: { sessionsEnded: { type: "integer", description: "Live sessions ended by the change" } },
} as const;

export const pageOf = (name: string, ref: string, cursor: "string" | "integer") =>
  ({
    type: "object",
    properties: {
      [name]: { type: "array", items: { $ref: `${ref}#` } },
      nextAfter: { type: [cursor, "null"], description: "Pass as `after` for the next page; null on the last" },
    },
  }) as const;

/** A page of users or groups: `nextAfter` continues a listing by number, `nextAfterName` a search. */
export const directoryPageOf = (name: string, ref: string) =>
  ({
    type: "object",
    properties: {
      [name]: { type: "array", items: { $ref: `${ref}#` } },
      nextAfter: {
        type: ["integer", "null"],
        description: "In number order: pass as `after` for the next page; null on the last, and in a search",
      },
      nextAfterName: {
        type: ["string", "null"],
        description: "In a search (`prefix`): pass as `afterName`, with the same prefix, for the next page",
      },
    },
  }) as const;

export const loginTicketSchema = {
  type: "object",
  properties: {
    ticket: { type: "string", description: "Give it once as the user's password; it is shown only now." },
    realm: { type: "string" },
    userName: { type: "string" },
    expiresAt: epochMs,
  },
} as const;
