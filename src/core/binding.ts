/**
 * Session bindings and their stored text form.
 *
 * A binding ties a session's life to something other than its timers: the server process of one node
 * (`server:<node>/`, the AstroGrid default session) or one TCP connection on one node
 * (`connection:<node>/<id>`, the Parallels Agent permanent session). The node id lets several nodes
 * share a store: at start-up a node removes only the bound sessions its previous process left behind.
 *
 * @module
 */

import type { Binding } from "./types.ts";

export function bindingToText(binding: Binding | null): string | null {
  if (!binding) return null;
  // The node id ends with "/" so that the prefix of node "n1" never selects node "n10".
  return binding.kind === "server" ? `server:${binding.node}/` : `connection:${binding.node}/${binding.connection}`;
}

export function bindingFromText(text: string | null): Binding | null {
  if (!text) return null;
  if (text.startsWith("server:") && text.endsWith("/"))
    return { kind: "server", node: text.slice("server:".length, -1) };
  if (text.startsWith("connection:")) {
    const rest = text.slice("connection:".length);
    const slash = rest.indexOf("/");
    if (slash > 0) return { kind: "connection", node: rest.slice(0, slash), connection: rest.slice(slash + 1) };
  }
  throw new Error(`Unreadable session binding ${JSON.stringify(text)}`);
}

/** Prefix selecting every binding of one node, or one connection of it. */
export function bindingPrefix(kind: Binding["kind"], node: string, connection?: string): string {
  if (kind === "server") return `server:${node}/`;
  return connection === undefined ? `connection:${node}/` : `connection:${node}/${connection}`;
}
