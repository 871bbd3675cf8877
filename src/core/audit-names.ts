/**
 * Unknown user names in the audit log, as keyed digests.
 *
 * A failed login records who tried, so that an operator can see an attack on one account or from one
 * address. But a name no user has is often a password typed into the user-name field, and the audit
 * log is kept for long and read by many: such a name is recorded only as `unknown:` and the first 16
 * hex digits of its HMAC-SHA-256. The same typed name always gives the same digest, so attempts can
 * still be correlated, while the log alone does not reveal it. Names of users that exist are recorded
 * as they are.
 *
 * The key is a setting of the store (`audit-name-key`), made once from 32 random bytes by the first
 * node that needs it, so every node sharing the store digests alike and a copied store keeps it. It is
 * never logged or answered. Whoever can read the store can read the key too and test guesses against a
 * digest: the digest keeps the name out of the log and out of log shipping, not out of the database.
 *
 * @module
 */

import { createHmac, randomBytes } from "node:crypto";
import type { Store } from "./store/index.ts";

/** The setting that holds the key, base64. */
export const AUDIT_NAME_KEY_SETTING = "audit-name-key";

/** What an unknown name is recorded as: this prefix, which no user name can have, and hex digits. */
export const UNKNOWN_NAME_PREFIX = "unknown:";

export interface AuditNames {
  /** The digest recorded for a user name no user has. */
  digest(typedName: string): Promise<string>;
}

/** Digests with the key of `store`, which is made on first use when it has none. */
export function createAuditNames(store: Pick<Store, "getSetting" | "putSettingIfAbsent">): AuditNames {
  let key: Promise<Buffer> | undefined;

  async function readKey(): Promise<Buffer> {
    const stored = await store.getSetting(AUDIT_NAME_KEY_SETTING);
    if (typeof stored === "string" && stored.length >= 43) return Buffer.from(stored, "base64");
    // When two nodes make a key at once, the first one stored is the one both use: the digests (and
    // the login throttle's per-user counts, kept under them) agree across nodes.
    const kept = await store.putSettingIfAbsent(AUDIT_NAME_KEY_SETTING, randomBytes(32).toString("base64"));
    return Buffer.from(String(kept), "base64");
  }

  return {
    async digest(typedName) {
      key ??= readKey().catch((error: unknown) => {
        // Not remembered: the store may answer on the next failed login.
        key = undefined;
        throw error;
      });
      const hmac = createHmac("sha256", await key)
        .update(typedName, "utf8")
        .digest("hex");
      return `${UNKNOWN_NAME_PREFIX}${hmac.slice(0, 16)}`;
    },
  };
}
