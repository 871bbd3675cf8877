/**
 * What callers are shown of sessions and users: public fields only, never a digest or a secret.
 *
 * @module
 */

import { deadlineOf } from "./session.ts";
import type { AuditEntry, AuditKind, ClientInfo, Protocol, Realm, SessionRecord, User } from "./types.ts";

export interface SessionView {
  key: string;
  number: number;
  realm: string;
  userName: string | null;
  fullName: string | null;
  protocol: Protocol;
  createdAt: number;
  loginAt: number | null;
  lastActiveAt: number;
  userActiveAt: number | null;
  callCount: number;
  locale: string;
  messageLocale: string;
  client: ClientInfo;
  idleTimeoutMs: number | null;
  expiresAt: number | null;
  /** When the session will end if nothing happens, or null when no timer applies. */
  deadlineAt: number | null;
  binding: "server" | "connection" | null;
  /**
   * The node a bound session lives and dies with; null for an unbound one, which lives in the store
   * and is served by every node sharing it.
   */
  node: string | null;
  impersonatedBy: string | null;
}

export function sessionView(session: SessionRecord, fullName: string | null = null): SessionView {
  return {
    key: session.key,
    number: session.number,
    realm: session.realm,
    userName: session.userName,
    fullName: session.userName === null ? null : (fullName ?? session.userName),
    protocol: session.protocol,
    createdAt: session.createdAt,
    loginAt: session.loginAt,
    lastActiveAt: session.lastActiveAt,
    userActiveAt: session.userActiveAt,
    callCount: session.callCount,
    locale: session.locale,
    messageLocale: session.messageLocale,
    client: { ...session.client },
    idleTimeoutMs: session.idleTimeoutMs,
    expiresAt: session.expiresAt,
    deadlineAt: deadlineOf(session),
    binding: session.binding?.kind ?? null,
    node: session.binding?.node ?? null,
    impersonatedBy: session.impersonatedBy,
  };
}

export interface UserView {
  realm: string;
  number: number;
  name: string;
  fullName: string;
  groups: string[];
  privileges: string[];
  disabled: boolean;
  createdAt: number;
}

export function userView(user: User): UserView {
  return {
    realm: user.realm,
    number: user.number,
    name: user.name,
    fullName: user.fullName,
    groups: [...user.groups],
    privileges: [...user.privileges],
    disabled: user.disabled,
    createdAt: user.createdAt,
  };
}

/** A realm as operators see it: its settings, and whether it is the default realm. */
export type RealmView = Realm & {
  /** The realm of logins that name none; it cannot be deleted. */
  isDefault: boolean;
};

export function realmView(realm: Realm, defaultRealmName: string): RealmView {
  return { ...realm, supportedLocales: [...realm.supportedLocales], isDefault: realm.name === defaultRealmName };
}

/** An audit log entry as readers see it: `kind` is the entry's type, the name its filter goes by. */
export interface AuditEntryView {
  id: number;
  at: number;
  kind: AuditKind;
  realm: string | null;
  userName: string | null;
  sessionKey: string | null;
  actor: string | null;
  ipAddress: string | null;
  protocol: Protocol | null;
  detail: string | null;
}

export function auditEntryView(entry: AuditEntry): AuditEntryView {
  return {
    id: entry.id ?? 0,
    at: entry.at,
    kind: entry.type,
    realm: entry.realm,
    userName: entry.userName,
    sessionKey: entry.sessionKey,
    actor: entry.actor,
    ipAddress: entry.ipAddress,
    protocol: entry.protocol,
    detail: entry.detail,
  };
}
