/**
 * Session secrets and ticket secrets: how they are made and how they are stored.
 *
 * A secret is never stored; only its SHA-256 digest is, and lookups go by digest. A plain SHA-256 is
 * right here (unlike passwords) because secrets carry at least 128 random bits: there is nothing to
 * guess by brute force, and the digest must be cheap enough to compute on every request.
 *
 * Each front door hands out secrets in the text form its real clients expect; any secret works on any
 * front door that carries a bearer.
 *
 * @module
 */

import * as crypto from "node:crypto";
import { createHash, randomBytes, randomUUID } from "node:crypto";

export type SecretFormat = "base64url" | "uuid" | "hex40" | "hex32" | "agent";

/** A new secret in the given text form. Every form carries at least 122 random bits. */
export function generateSecret(format: SecretFormat): string {
  switch (format) {
    case "base64url":
      return randomBytes(32).toString("base64url"); // 43 characters, 256 bits
    case "uuid":
      return randomUUID(); // httpkom connection id: UUID v4, 122 bits
    case "hex40":
      return randomBytes(20).toString("hex"); // vSphere cookie value, 160 bits
    case "hex32":
      return randomBytes(16).toString("hex"); // AstroGrid session id and URL segment, 128 bits
    case "agent":
      return `vzl.${randomBytes(24).toString("base64url")}`; // Parallels Agent: opaque, vzl.-prefixed
  }
}

/**
 * `crypto.hash` (Node 20.12 and later) digests a short string in a third of the time of a `Hash`
 * object, and this runs on every request; older Node 20 releases fall back to `createHash`.
 */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

/** SHA-256 of a secret, lowercase hex: the only form in which secrets are stored. */
export function digestSecret(secret: string): string {
  if (oneShotHash) return oneShotHash("sha256", secret, "hex");
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A new public session key (UUID). */
export function newSessionKey(): string {
  return randomUUID();
}

/**
 * The stored digest of a local ticket. It binds the ticket to its user, so that the ticket tried as
 * the password of anyone else matches nothing and stays usable by its owner.
 */
export function localTicketDigest(realm: string, userName: string, ticket: string): string {
  return digestSecret(`local-ticket\u0000${realm}\u0000${userName}\u0000${ticket}`);
}

/**
 * The stored digest of a service ticket. It binds the ticket to the one service (`scope`) it was
 * made for, so that presented anywhere else it matches nothing and stays usable where it belongs.
 */
export function serviceTicketDigest(scope: string, ticket: string): string {
  return digestSecret(`service-ticket\u0000${scope}\u0000${ticket}`);
}
