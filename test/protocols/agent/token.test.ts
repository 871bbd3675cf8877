/** Unit tests of the Agent's SIDs and login token against the seed's (protocols.md 2.5). */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeSid,
  encodeSid,
  guidFromBytes,
  guidToBytes,
  realmIdOfSidGuid,
  sidGuidOfRealm,
  tokenXml,
} from "../../../src/protocols/agent/token.ts";
import {
  DEFAULT_REALM_GUID,
  OTHER_REALM_GUID,
  SEED_GROUP_SIDS,
  SEED_GROUPS,
  SEED_HOST_ID,
  SEED_USER_SID,
} from "../../helpers/agent.ts";

describe("agent SIDs", () => {
  it("encode root and its groups exactly as the seed does", () => {
    assert.equal(encodeSid("user", SEED_HOST_ID, 0), SEED_USER_SID);
    assert.deepEqual(
      SEED_GROUPS.map((group) => encodeSid("group", SEED_HOST_ID, group.number)),
      SEED_GROUP_SIDS,
    );
  });

  it("lay out 28 bytes: revision 1, five sub-authorities, 0x2001 or 0x2000, the GUID mixed-endian, the RID little-endian", () => {
    const bytes = Buffer.from(encodeSid("group", SEED_HOST_ID, 0x01020304), "base64");
    assert.equal(bytes.length, 28);
    assert.equal(bytes.subarray(0, 8).toString("hex"), "0105000000002000");
    assert.equal(bytes.subarray(8, 24).toString("hex"), "dd28ce4fd30c4513bb943192b940fb90");
    assert.equal(bytes.subarray(24).toString("hex"), "04030201");
  });

  it("decode what they encode, and nothing else", () => {
    assert.deepEqual(decodeSid(SEED_USER_SID), { kind: "user", guid: SEED_HOST_ID, rid: 0 });
    assert.deepEqual(decodeSid(encodeSid("group", OTHER_REALM_GUID, 4_000_000_000)), {
      kind: "group",
      guid: OTHER_REALM_GUID,
      rid: 4_000_000_000,
    });
    assert.deepEqual(decodeSid(` ${SEED_USER_SID.slice(0, 10)}\n${SEED_USER_SID.slice(10)} `)?.rid, 0);
    // The authm examples' other layout (authority 0x03e8), a short one, a bad revision, not base64.
    for (const text of [
      "AQUAAAAAA+hWW5a9ohIJQ6S9aykBIAAA9QEAAA==",
      "AQUAAAAAIAE=",
      SEED_USER_SID.replace(/^AQ/, "Ag"),
      "!".repeat(40),
      "",
    ]) {
      assert.equal(decodeSid(text), null, text);
    }
  });

  it("use the host id for the default realm and the realm's own GUID for others", () => {
    assert.equal(sidGuidOfRealm(DEFAULT_REALM_GUID, SEED_HOST_ID), SEED_HOST_ID);
    assert.equal(sidGuidOfRealm(OTHER_REALM_GUID, SEED_HOST_ID), OTHER_REALM_GUID);
    assert.equal(realmIdOfSidGuid(SEED_HOST_ID, SEED_HOST_ID), DEFAULT_REALM_GUID);
    assert.equal(realmIdOfSidGuid(OTHER_REALM_GUID, SEED_HOST_ID), OTHER_REALM_GUID);
  });

  it("turn GUIDs into Microsoft byte order and back", () => {
    const bytes = guidToBytes(SEED_HOST_ID);
    assert.equal(bytes.toString("hex"), "dd28ce4fd30c4513bb943192b940fb90");
    assert.equal(guidFromBytes(bytes), SEED_HOST_ID);
    assert.throws(() => guidToBytes("nope"), RangeError);
    assert.throws(() => encodeSid("user", SEED_HOST_ID, -1), RangeError);
  });
});

describe("agent token", () => {
  it("lists the user, its groups in order, the user again, no deny-only SIDs, and the privileges", () => {
    const xml = tokenXml(
      {
        realmId: DEFAULT_REALM_GUID,
        userNumber: 0,
        groups: SEED_GROUPS,
        privileges: ["Sessions.ImpersonateUser", "System.View"],
      },
      SEED_HOST_ID,
    );
    assert.equal(
      xml,
      `<token><user>${SEED_USER_SID}</user><groups>${SEED_GROUP_SIDS.map((s) => `<sid>${s}</sid>`).join("")}` +
        `<sid>${SEED_USER_SID}</sid></groups><deny_only_sids/><privileges><privilege>Sessions.ImpersonateUser</privilege>` +
        "<privilege>System.View</privilege></privileges></token>",
    );
  });

  it("writes <privileges/> when there are none, as the seed does", () => {
    const xml = tokenXml({ realmId: OTHER_REALM_GUID, userNumber: 5, groups: [], privileges: [] }, SEED_HOST_ID);
    const user = encodeSid("user", OTHER_REALM_GUID, 5);
    assert.equal(
      xml,
      `<token><user>${user}</user><groups><sid>${user}</sid></groups><deny_only_sids/><privileges/></token>`,
    );
  });
});
