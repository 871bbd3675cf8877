/**
 * Facts about an HTTP caller that every HTTP front door reports to the engine the same way.
 *
 * @module
 */

import { isIP } from "node:net";

/**
 * True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. Judged from the socket's own peer address,
 * never from forwarding headers a client could forge.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith("127.");
  return plain === "::1";
}
