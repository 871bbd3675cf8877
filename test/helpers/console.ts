/**
 * Signing in to the console over plain HTTP, as a browser's form post would, for the console tests
 * that read pages without Chromium.
 */

import assert from "node:assert/strict";
import type { TestApp } from "./start-app.ts";

/** Signs in to the console as a user and answers the session cookie (`name=value`). */
export async function signInToConsole(t: TestApp, userName: string, password: string): Promise<string> {
  const form = await fetch(`${t.url}/console/login`);
  const signInCookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const token = /name="signInToken" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const signedIn = await fetch(`${t.url}/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: signInCookie },
    body: new URLSearchParams({ userName, password, signInToken: token }).toString(),
  });
  assert.equal(signedIn.status, 303, `${userName} signs in`);
  const session = signedIn.headers.getSetCookie().find((cookie) => !cookie.includes("Max-Age=0")) ?? "";
  return session.split(";")[0] ?? "";
}
