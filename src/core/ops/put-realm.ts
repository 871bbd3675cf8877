/**
 * Creates or updates a realm (command line `realm add`, configuration at start-up). Needs
 * `Directory.Manage`. Fields not given keep their value (update) or take the defaults (create).
 */

import { randomUUID } from "node:crypto";
import { SessionError } from "../errors.ts";
import { isWellFormedLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { DEFAULT_REALM_ID, DEFAULT_REALM_NAME, type Realm } from "../types.ts";
import {
  asObject,
  GUID_PATTERN,
  invalid,
  oneOf,
  onlyFields,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  REALM_NAME_PATTERN,
  requiredString,
} from "../validate.ts";

export interface PutRealmInput {
  name: string;
  mode: "create" | "upsert";
  id?: string | undefined;
  defaultLocale?: string | undefined;
  supportedLocales?: string[] | undefined;
  idleTimeoutSeconds?: number | undefined;
  maxIdleTimeoutSeconds?: number | null | undefined;
  maxLifetimeSeconds?: number | null | undefined;
  maxSessionsPerUser?: number | null | undefined;
  maxSessionsPolicy?: Realm["maxSessionsPolicy"] | undefined;
  allowSelfRegistration?: boolean | undefined;
}

export const putRealm = defineOperation({
  name: "directory.putRealm",
  auth: "user",
  privilege: "Directory.Manage",
  parse(raw: unknown): PutRealmInput {
    const input = asObject(raw);
    onlyFields(input, [
      "name",
      "mode",
      "id",
      "defaultLocale",
      "supportedLocales",
      "idleTimeoutSeconds",
      "maxIdleTimeoutSeconds",
      "maxLifetimeSeconds",
      "maxSessionsPerUser",
      "maxSessionsPolicy",
      "allowSelfRegistration",
    ]);
    const supportedLocales = optionalStringArray(input, "supportedLocales", { max: 200 });
    if (supportedLocales && (supportedLocales.length === 0 || !supportedLocales.every(isWellFormedLocale))) {
      throw invalid("supportedLocales", "must be a non-empty list of locales like 'en' or 'en_US'");
    }
    const defaultLocale = optionalString(input, "defaultLocale", { max: 5 });
    if (defaultLocale !== undefined && !isWellFormedLocale(defaultLocale)) {
      throw invalid("defaultLocale", "must look like 'en' or 'en_US'");
    }
    return {
      name: requiredString(input, "name", { pattern: REALM_NAME_PATTERN }),
      mode: oneOf(input, "mode", ["create", "upsert"] as const) ?? "create",
      id: optionalString(input, "id", { pattern: GUID_PATTERN })?.toLowerCase(),
      defaultLocale,
      supportedLocales,
      idleTimeoutSeconds: optionalInteger(input, "idleTimeoutSeconds", { min: 0 }),
      maxIdleTimeoutSeconds:
        input.maxIdleTimeoutSeconds === null ? null : optionalInteger(input, "maxIdleTimeoutSeconds", { min: 1 }),
      maxLifetimeSeconds:
        input.maxLifetimeSeconds === null ? null : optionalInteger(input, "maxLifetimeSeconds", { min: 1 }),
      maxSessionsPerUser:
        input.maxSessionsPerUser === null ? null : optionalInteger(input, "maxSessionsPerUser", { min: 1 }),
      maxSessionsPolicy: oneOf(input, "maxSessionsPolicy", ["deny", "evict-oldest"] as const),
      allowSelfRegistration: optionalBoolean(input, "allowSelfRegistration"),
    };
  },
  async run(ctx, input): Promise<Realm> {
    const existing = await ctx.store.getRealm(input.name);
    if (existing && input.mode === "create") throw new SessionError("ALREADY_EXISTS", "A realm with this name exists.");
    if (existing && input.id !== undefined && input.id !== existing.id) {
      throw new SessionError("INVALID_ARGUMENT", "A realm's id cannot change.", { details: { field: "id" } });
    }
    const base: Realm = existing ?? {
      id: input.id ?? (input.name === DEFAULT_REALM_NAME ? DEFAULT_REALM_ID : randomUUID()),
      name: input.name,
      defaultLocale: "en",
      supportedLocales: [input.defaultLocale ?? "en"],
      idleTimeoutSeconds: 1800,
      maxIdleTimeoutSeconds: null,
      maxLifetimeSeconds: null,
      maxSessionsPerUser: null,
      maxSessionsPolicy: "deny",
      allowSelfRegistration: false,
    };
    const realm: Realm = { ...base };
    if (input.defaultLocale !== undefined) realm.defaultLocale = input.defaultLocale;
    if (input.supportedLocales !== undefined) realm.supportedLocales = input.supportedLocales;
    if (input.idleTimeoutSeconds !== undefined) realm.idleTimeoutSeconds = input.idleTimeoutSeconds;
    if (input.maxIdleTimeoutSeconds !== undefined) realm.maxIdleTimeoutSeconds = input.maxIdleTimeoutSeconds;
    if (input.maxLifetimeSeconds !== undefined) realm.maxLifetimeSeconds = input.maxLifetimeSeconds;
    if (input.maxSessionsPerUser !== undefined) realm.maxSessionsPerUser = input.maxSessionsPerUser;
    if (input.maxSessionsPolicy !== undefined) realm.maxSessionsPolicy = input.maxSessionsPolicy;
    if (input.allowSelfRegistration !== undefined) realm.allowSelfRegistration = input.allowSelfRegistration;
    const lang = realm.defaultLocale.slice(0, 2);
    if (!realm.supportedLocales.includes(realm.defaultLocale) && !realm.supportedLocales.includes(lang)) {
      throw new SessionError("INVALID_LOCALE", "The default locale must be one of the supported locales.");
    }
    await ctx.store.putRealm(realm);
    return realm;
  },
});
