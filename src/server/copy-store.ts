/**
 * Copies what lasts from one store to another, through the store contract only, so that it works
 * between any two drivers (SQLite to PostgreSQL when a deployment grows to several nodes).
 *
 * Copied: realms, groups, users (with their password hashes), settings, the audit log (in order; the
 * destination numbers its entries anew), and live sessions that are not bound to a connection or a
 * server process (those end with their process), with their attributes and numbers; the
 * destination's session counter is then moved past the source's, so that numbers never repeat. Not
 * copied: tickets, which live for a minute. The destination must be empty: merging two directories
 * would silently pick winners.
 *
 * @module
 */

import { SessionError } from "../core/errors.ts";
import type { Store } from "../core/store/index.ts";

export interface CopyCounts {
  realms: number;
  groups: number;
  users: number;
  settings: number;
  auditEntries: number;
  sessions: number;
  /** Sessions bound to a connection or server process, which were not copied. */
  skippedBound: number;
}

const PAGE = 1000;

/** Roomy limits for copying attributes: the source enforced its own when they were written. */
const NO_ATTRIBUTE_LIMITS = { maxCount: Number.MAX_SAFE_INTEGER, maxTotalBytes: Number.MAX_SAFE_INTEGER };

export async function copyStore(source: Store, destination: Store): Promise<CopyCounts> {
  await requireEmpty(destination);
  const counts: CopyCounts = {
    realms: 0,
    groups: 0,
    users: 0,
    settings: 0,
    auditEntries: 0,
    sessions: 0,
    skippedBound: 0,
  };

  for (const realm of await source.listRealms()) {
    await destination.putRealm(realm);
    counts.realms++;
    for (const group of await source.listGroups(realm.name)) {
      await destination.putGroup(group);
      counts.groups++;
    }
    for (const user of await source.listUsers(realm.name)) {
      await destination.putUser(user);
      counts.users++;
    }
  }

  for (const name of await source.listSettingNames()) {
    await destination.putSetting(name, await source.getSetting(name));
    counts.settings++;
  }

  let auditAfter: number | null = null;
  for (;;) {
    const entries = await source.listAudit(auditAfter, PAGE);
    for (const entry of entries) {
      const { id: _id, ...rest } = entry;
      await destination.appendAudit(rest);
      auditAfter = entry.id ?? auditAfter;
    }
    counts.auditEntries += entries.length;
    if (entries.length < PAGE) break;
  }

  let sessionsAfter: number | null = null;
  do {
    const page = await source.listSessions({}, sessionsAfter, PAGE);
    for (const session of page.sessions) {
      if (session.binding !== null) {
        counts.skippedBound++;
        continue;
      }
      await destination.insertSession(session);
      const attributes = Object.entries(await source.listAttributes(session.key));
      if (attributes.length > 0) await destination.putAttributes(session.key, attributes, NO_ATTRIBUTE_LIMITS);
      counts.sessions++;
    }
    sessionsAfter = page.nextAfter;
  } while (sessionsAfter !== null);

  // Past every number the source ever handed out, not only the live ones: a number is never reused.
  await destination.reserveSessionNumbers(await source.nextSessionNumber());
  return counts;
}

async function requireEmpty(destination: Store): Promise<void> {
  const realms = await destination.listRealms();
  const sessions = await destination.countSessions({});
  if (realms.length > 0 || sessions > 0) {
    throw new SessionError(
      "INVALID_REQUEST",
      `The destination store is not empty (${realms.length} realms, ${sessions} sessions): copy into an empty one.`,
    );
  }
}
