/**
 * SIDs and the login `token` of the Agent protocol (protocols.md 2.5).
 *
 * A SID here is a Windows-style SID of 28 bytes, base64 on the wire:
 *
 * ```
 * 01 05 | 00 00 00 00 20 01 (user) or 20 00 (group) | realm GUID, Microsoft mixed-endian | RID uint32 LE
 * ```
 *
 * The GUID is the Agent host id for the default realm (the Parallels "System" realm, whose users are
 * the host's) and the realm's own GUID for every other realm; the RID is the user's or group's number.
 * With the seed's host id and root's numbers this gives exactly the seed's SIDs.
 *
 * @module
 */

import type { Identity } from "../../core/ops/login.ts";
import { DEFAULT_REALM_ID } from "../../core/types.ts";
import { escapeXml } from "../xml.ts";

export type SidKind = "user" | "group";

const SID_BYTES = 28;
const USER_AUTHORITY = 0x2001;
const GROUP_AUTHORITY = 0x2000;

/** The 16 bytes of a GUID in Microsoft order: the first three fields little-endian, the rest as written. */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError("not a GUID");
  const bytes = Buffer.from(hex, "hex");
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

/** The GUID text (lower case) of 16 bytes in Microsoft order. */
export function guidFromBytes(bytes: Buffer): string {
  const copy = Buffer.from(bytes);
  copy.subarray(0, 4).reverse();
  copy.subarray(4, 6).reverse();
  copy.subarray(6, 8).reverse();
  const hex = copy.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The GUID that SIDs of a realm carry: the host id for the default realm, the realm's own id otherwise. */
export function sidGuidOfRealm(realmId: string, hostId: string): string {
  return realmId === DEFAULT_REALM_ID ? hostId : realmId;
}

/** The realm id a SID's GUID names: the default realm for the host id. */
export function realmIdOfSidGuid(guid: string, hostId: string): string {
  return guid === hostId ? DEFAULT_REALM_ID : guid;
}

/** A SID, base64, for a user or group number under a GUID. */
export function encodeSid(kind: SidKind, guid: string, rid: number): string {
  if (!Number.isInteger(rid) || rid < 0 || rid > 0xffffffff) throw new RangeError("a RID is an unsigned 32-bit number");
  const sid = Buffer.alloc(SID_BYTES);
  sid[0] = 1; // revision
  sid[1] = 5; // sub-authority count: four for the GUID, one for the RID
  sid.writeUIntBE(kind === "user" ? USER_AUTHORITY : GROUP_AUTHORITY, 2, 6);
  guidToBytes(guid).copy(sid, 8);
  sid.writeUInt32LE(rid, 24);
  return sid.toString("base64");
}

/**
 * Reads a SID in the layout this server issues, or null when the text is not one (not base64, not
 * 28 bytes, another revision or authority).
 */
export function decodeSid(text: string): { kind: SidKind; guid: string; rid: number } | null {
  const compact = text.replace(/[ \t\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]{38}==$/.test(compact)) return null;
  const sid = Buffer.from(compact, "base64");
  if (sid.length !== SID_BYTES || sid[0] !== 1 || sid[1] !== 5) return null;
  const authority = sid.readUIntBE(2, 6);
  if (authority !== USER_AUTHORITY && authority !== GROUP_AUTHORITY) return null;
  return {
    kind: authority === USER_AUTHORITY ? "user" : "group",
    guid: guidFromBytes(sid.subarray(8, 24)),
    rid: sid.readUInt32LE(24),
  };
}

/**
 * The `<token>` of a login answer: the user's SID, its groups' SIDs in the user's order followed by
 * the user's own SID again (as the seed shows), no deny-only SIDs (sessiond has none), and the
 * privileges the user holds, one `<privilege>` each.
 */
export function tokenXml(identity: Identity, hostId: string): string {
  const guid = sidGuidOfRealm(identity.realmId, hostId);
  const user = encodeSid("user", guid, identity.userNumber);
  const groups = identity.groups.map((group) => `<sid>${encodeSid("group", guid, group.number)}</sid>`).join("");
  const privileges =
    identity.privileges.length === 0
      ? "<privileges/>"
      : `<privileges>${identity.privileges.map((p) => `<privilege>${escapeXml(p)}</privilege>`).join("")}</privileges>`;
  return `<token><user>${user}</user><groups>${groups}<sid>${user}</sid></groups><deny_only_sids/>${privileges}</token>`;
}
