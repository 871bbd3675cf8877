/**
 * Creates or updates a realm (command line `realm add`, configuration at start-up, JSON `POST /realms`
 * and `PATCH /realms/{realm}`). Needs `Directory.Manage`. Fields not given keep their value (update)
 * or take the defaults (create). A change is audited; a write that changes nothing (a restart with the
 * same configuration) is not.
 */

import { randomUUID } from "node:crypto";
import { PUT_REALM_INPUT } from "../directory-input.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import type { Static } from "../schema.ts";
import { DEFAULT_REALM_ID, DEFAULT_REALM_NAME, type Realm } from "../types.ts";
import { type RealmView, realmView } from "../views.ts";
import { realmChanges } from "./_directory-changes.ts";

export type PutRealmInput = Static<typeof PUT_REALM_INPUT> & { mode: "create" | "update" | "upsert" };

export const putRealm = defineOperation({
  name: "directory.putRealm",
  auth: "user",
  privilege: "Directory.Manage",
  input: PUT_REALM_INPUT,
  refine: (input): PutRealmInput => ({ ...input, mode: input.mode ?? "create", id: input.id?.toLowerCase() }),
  async run(ctx, input): Promise<RealmView> {
    const existing = await ctx.store.getRealm(input.name);
    if (existing && input.mode === "create") throw new SessionError("ALREADY_EXISTS", "A realm with this name exists.");
    if (!existing && input.mode === "update") {
      throw new SessionError("NOT_FOUND", "No such realm.", { details: { realm: input.name } });
    }
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
      lockoutAfterFailures: null,
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
    if (input.lockoutAfterFailures !== undefined) realm.lockoutAfterFailures = input.lockoutAfterFailures;
    const lang = realm.defaultLocale.slice(0, 2);
    if (!realm.supportedLocales.includes(realm.defaultLocale) && !realm.supportedLocales.includes(lang)) {
      throw new SessionError("INVALID_LOCALE", "The default locale must be one of the supported locales.");
    }
    const changes = realmChanges(existing, realm);
    if (changes !== null) {
      await ctx.store.putRealm(realm);
      await ctx.audit(existing ? "realm-updated" : "realm-created", { realm: realm.name, detail: changes });
    }
    return realmView(realm, (await ctx.defaultRealm()).name);
  },
});
