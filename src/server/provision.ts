/**
 * Start-up provisioning: realms, groups and users from the configuration are created or updated
 * through the same operations the command line uses, and a first `admin` user is made when the store
 * has no user at all.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { type Config, DEFAULT_MAX_IDLE_TIMEOUT_SECONDS } from "../core/config.ts";
import type { Engine } from "../core/engine.ts";
import type { CallContext } from "../core/operation.ts";
import { putGroup, putRealm, putUser } from "../core/ops/index.ts";
import { GRANTABLE_PRIVILEGES } from "../core/privileges.ts";
import { DEFAULT_REALM_ID, DEFAULT_REALM_NAME } from "../core/types.ts";

/** The in-process administrator: start-up tasks and the command line working on its own data directory. */
export const LOCAL_ADMIN: CallContext = { protocol: "cli", trusted: true, isLoopback: true };

export interface ProvisionResult {
  /** Set when a bootstrap admin was created with a generated password: show it once. */
  generatedAdminPassword?: string;
  adminCreated: boolean;
}

export async function provision(engine: Engine, config: Config, adminPassword?: string): Promise<ProvisionResult> {
  await provisionDirectory(engine, config);
  return ensureAdmin(engine, adminPassword);
}

/**
 * Creates or updates the realms, groups and users the configuration lists; the default realm always
 * exists. A realm created without `maxIdleTimeoutSeconds` gets `DEFAULT_MAX_IDLE_TIMEOUT_SECONDS`; an
 * existing one keeps what it has unless the configuration says otherwise.
 */
export async function provisionDirectory(engine: Engine, config: Config): Promise<void> {
  const realms = config.realms.length > 0 ? config.realms : [{ name: DEFAULT_REALM_NAME, users: [], groups: [] }];
  if (!realms.some((r) => r.name === DEFAULT_REALM_NAME || r.id === DEFAULT_REALM_ID)) {
    // The default realm always exists: it is the Parallels "System" realm and the vSphere default domain.
    realms.unshift({ name: DEFAULT_REALM_NAME, users: [], groups: [] });
  }
  for (const realm of realms) {
    const { users, groups, ...settings } = realm;
    if (settings.maxIdleTimeoutSeconds === undefined && !(await engine.store.getRealm(realm.name))) {
      settings.maxIdleTimeoutSeconds = DEFAULT_MAX_IDLE_TIMEOUT_SECONDS;
    }
    await engine.call(putRealm, LOCAL_ADMIN, { ...settings, mode: "upsert" });
    for (const group of groups) {
      await engine.call(putGroup, LOCAL_ADMIN, { ...group, realm: realm.name, mode: "upsert" });
    }
    for (const user of users) await engine.call(putUser, LOCAL_ADMIN, { ...user, realm: realm.name, mode: "upsert" });
  }
}

/** Creates the bootstrap `admin` when the store has no user at all. */
export async function ensureAdmin(engine: Engine, adminPassword?: string): Promise<ProvisionResult> {
  let anyUser = false;
  for (const realm of await engine.store.listRealms()) {
    if ((await engine.store.listUsers(realm.name)).length > 0) anyUser = true;
  }
  if (anyUser) return { adminCreated: false };
  const password = adminPassword ?? randomBytes(12).toString("base64url");
  await engine.call(putUser, LOCAL_ADMIN, {
    name: "admin",
    realm: DEFAULT_REALM_NAME,
    fullName: "Administrator",
    password,
    privileges: [...GRANTABLE_PRIVILEGES],
    mode: "create",
  });
  return adminPassword === undefined
    ? { adminCreated: true, generatedAdminPassword: password }
    : { adminCreated: true };
}
