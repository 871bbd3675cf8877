/**
 * Rows as the PostgreSQL store reads them, and the records of the contract they become.
 *
 * The client parses each column by its type (`int8` into a number, `boolean`, `jsonb` and `text[]`
 * into their JavaScript forms; see `connection.ts`), so mapping is renaming, plus the binding's text
 * form (`bindingFromText`).
 *
 * @module
 */

import { bindingFromText } from "../../core/binding.ts";
import type { Privilege } from "../../core/privileges.ts";
import type {
  AuditEntry,
  AuditKind,
  ClientInfo,
  Group,
  Protocol,
  Realm,
  SessionCapPolicy,
  SessionRecord,
  TicketKind,
  TicketRecord,
  User,
} from "../../core/types.ts";

export interface SessionRow {
  number: number;
  key: string;
  secret_digest: string;
  realm: string;
  user_name: string | null;
  impersonated_by: string | null;
  protocol: string;
  created_at: number;
  login_at: number | null;
  last_active_at: number;
  user_active_at: number | null;
  call_count: number;
  locale: string;
  message_locale: string;
  client: ClientInfo;
  idle_timeout_ms: number | null;
  idle_timeout_chosen: boolean;
  expires_at: number | null;
  binding: string | null;
}

/** Every stored column of a session (not the generated ones), for SELECT and RETURNING. */
export const SESSION_COLUMNS =
  "number, key, secret_digest, realm, user_name, impersonated_by, protocol, created_at, login_at, " +
  "last_active_at, user_active_at, call_count, locale, message_locale, client, idle_timeout_ms, " +
  "idle_timeout_chosen, expires_at, binding";

export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    key: row.key,
    number: row.number,
    secretDigest: row.secret_digest,
    realm: row.realm,
    userName: row.user_name,
    impersonatedBy: row.impersonated_by,
    protocol: row.protocol as Protocol,
    createdAt: row.created_at,
    loginAt: row.login_at,
    lastActiveAt: row.last_active_at,
    userActiveAt: row.user_active_at,
    callCount: row.call_count,
    locale: row.locale,
    messageLocale: row.message_locale,
    client: row.client,
    idleTimeoutMs: row.idle_timeout_ms,
    idleTimeoutChosen: row.idle_timeout_chosen,
    expiresAt: row.expires_at,
    binding: bindingFromText(row.binding),
  };
}

/** Sessions by ascending number, the order the contract lists them in. */
export function sessionsByNumber(rows: readonly SessionRow[]): SessionRecord[] {
  return rows.map(sessionFromRow).sort((a, b) => a.number - b.number);
}

export interface RealmRow {
  name: string;
  id: string;
  default_locale: string;
  supported_locales: string[];
  idle_timeout_seconds: number;
  max_idle_timeout_seconds: number | null;
  max_lifetime_seconds: number | null;
  max_sessions_per_user: number | null;
  max_sessions_policy: string;
  allow_self_registration: boolean;
  lockout_after_failures: number | null;
}

export function realmFromRow(row: RealmRow): Realm {
  return {
    id: row.id,
    name: row.name,
    defaultLocale: row.default_locale,
    supportedLocales: row.supported_locales,
    idleTimeoutSeconds: row.idle_timeout_seconds,
    maxIdleTimeoutSeconds: row.max_idle_timeout_seconds,
    maxLifetimeSeconds: row.max_lifetime_seconds,
    maxSessionsPerUser: row.max_sessions_per_user,
    maxSessionsPolicy: row.max_sessions_policy as SessionCapPolicy,
    allowSelfRegistration: row.allow_self_registration,
    lockoutAfterFailures: row.lockout_after_failures,
  };
}

export interface UserRow {
  realm: string;
  name: string;
  number: number;
  full_name: string;
  password_hash: string | null;
  groups: string[];
  privileges: string[];
  disabled: boolean;
  created_at: number;
}

export function userFromRow(row: UserRow): User {
  return {
    realm: row.realm,
    number: row.number,
    name: row.name,
    fullName: row.full_name,
    passwordHash: row.password_hash,
    groups: row.groups,
    privileges: row.privileges as Privilege[],
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}

export interface GroupRow {
  realm: string;
  name: string;
  number: number;
  privileges: string[];
}

export function groupFromRow(row: GroupRow): Group {
  return { realm: row.realm, number: row.number, name: row.name, privileges: row.privileges as Privilege[] };
}

export interface TicketRow {
  digest: string;
  kind: string;
  realm: string;
  user_name: string;
  session_key: string | null;
  expires_at: number;
}

export function ticketFromRow(row: TicketRow): TicketRecord {
  return {
    digest: row.digest,
    kind: row.kind as TicketKind,
    realm: row.realm,
    userName: row.user_name,
    sessionKey: row.session_key,
    expiresAt: row.expires_at,
  };
}

export interface AuditRow {
  id: number;
  at: number;
  type: string;
  realm: string | null;
  user_name: string | null;
  session_key: string | null;
  actor: string | null;
  ip_address: string | null;
  protocol: string | null;
  detail: string | null;
}

export function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    type: row.type as AuditKind,
    realm: row.realm,
    userName: row.user_name,
    sessionKey: row.session_key,
    actor: row.actor,
    ipAddress: row.ip_address,
    protocol: row.protocol as Protocol | null,
    detail: row.detail,
  };
}
