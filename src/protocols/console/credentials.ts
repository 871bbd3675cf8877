/**
 * The console's own session in the browser and the CSRF tokens that go with it.
 *
 * The session's secret is held in a cookie the page's scripts cannot read (`HttpOnly`), that no other
 * site's page sends (`SameSite=Strict`), and over HTTPS only over HTTPS (`Secure`). Every
 * state-changing request must also carry a synchronizer token: an HMAC of a fixed label keyed by the
 * session's secret. The server recomputes it from the cookie on every request, so it is tied to the
 * session, the same on every node of a cluster, and useless to anyone who cannot read the page.
 *
 * The sign-in form has no session yet: it carries a random token that must equal a cookie set with the
 * form (a double submit), so that no other site can log a browser in under a name of its choosing.
 *
 * @module
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export const SESSION_COOKIE = "sessiond_console";
export const SIGN_IN_COOKIE = "sessiond_console_sign_in";
/** The form field and the header (for htmx requests) a CSRF token travels in. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

/** The value of one cookie of a request, or undefined. */
export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9._~-]{1,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** A `Set-Cookie` value for the console; `value: null` removes the cookie. */
export function cookieHeader(name: string, value: string | null, secure: boolean): string {
  const attributes = ["Path=/console", "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : [])];
  if (value === null) return [`${name}=`, "Max-Age=0", ...attributes].join("; ");
  return [`${name}=${value}`, ...attributes].join("; ");
}

/** The CSRF token of the session whose secret this is. */
export function csrfTokenOf(secret: string): string {
  return createHmac("sha256", secret).update("sessiond console csrf").digest("base64url");
}

/** A fresh random token for the sign-in form and its cookie. */
export function newSignInToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Compares two tokens in time that does not depend on where they differ. */
export function sameToken(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
