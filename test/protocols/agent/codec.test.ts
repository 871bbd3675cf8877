/** Unit tests of the Agent packet codec: reading requests, writing answers, echoing the cookie. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCallPacket, groupParam, parseResponse, textParam } from "../../../src/protocols/agent/client.ts";
import {
  createPacketIds,
  decodeRequest,
  encodeResponse,
  errorBody,
  formatPacketTime,
  serializeElement,
} from "../../../src/protocols/agent/codec.ts";
import { parseXml } from "../../../src/protocols/xml.ts";

describe("agent codec: requests", () => {
  it("reads the envelope and the one call of a plain packet", () => {
    const decoded = decodeRequest(
      '<packet version="4.0.0" id="23" priority="3"><target>sessionm</target><session>S</session><data><sessionm><get><key>k</key></get></sessionm></data></packet>',
    );
    assert.ok(decoded.ok);
    assert.equal(decoded.envelope.id, "23");
    assert.equal(decoded.envelope.version, "4.0.0");
    assert.equal(decoded.envelope.session, "S");
    assert.equal(decoded.envelope.target, "sessionm");
    assert.equal(decoded.call.iface, "sessionm");
    assert.equal(decoded.call.call, "get");
  });

  it("reads a namespace-qualified packet by local names", () => {
    const decoded = decodeRequest(
      '<ns1:packet xmlns:ns1="urn:p" xmlns:ns2="urn:s" version="4.0.0"><ns1:session> S </ns1:session><ns1:data><ns2:system><ns2:get_realm/></ns2:system></ns1:data></ns1:packet>',
    );
    assert.ok(decoded.ok);
    assert.equal(decoded.envelope.session, "S");
    assert.equal(decoded.envelope.id, undefined);
    assert.equal(decoded.call.iface, "system");
  });

  it("keeps what it could read of a broken packet for the error answer", () => {
    const decoded = decodeRequest('<packet id="7" version="bad"><cookie>c</cookie><data><system/></data></packet>');
    assert.equal(decoded.ok, false);
    assert.ok(!decoded.ok);
    assert.equal(decoded.envelope?.id, "7");
    assert.equal(decoded.envelope?.version, undefined, "a malformed version is not echoed");
    assert.ok(decoded.envelope?.cookie);
    assert.equal(decoded.iface, "system");
    assert.equal(decoded.error.code, "MALFORMED_REQUEST");
    const notXml = decodeRequest("<<<");
    assert.ok(!notXml.ok);
    assert.equal(notXml.envelope, undefined);
  });

  it("ignores header elements it does not know", () => {
    assert.ok(
      decodeRequest(
        "<packet><dst><host>h</host></dst><timeout>5</timeout><data><system><get_realm/></system></data></packet>",
      ).ok,
    );
  });
});

describe("agent codec: answers", () => {
  it("writes the seed's element order and attributes", () => {
    const xml = encodeResponse(
      {
        id: "2",
        time: Date.UTC(2007, 8, 10, 9, 42, 13),
        version: "4.0.0",
        origin: "sessionm",
        target: "vzclient133-4fce28dd-0cd3-1345-bb94-3192b940fb90",
      },
      "<ok/>",
    );
    assert.equal(
      xml,
      '<packet id="2" time="2007-09-10T09:42:13+0000" priority="0" version="4.0.0"><origin>sessionm</origin><target>vzclient133-4fce28dd-0cd3-1345-bb94-3192b940fb90</target><dst><director>gend</director></dst><data><sessionm><ok/></sessionm></data><src><director>gend</director></src></packet>',
    );
  });

  it("echoes session and cookie between target and dst, escaping what it echoes", () => {
    const cookie = parseXml('<cookie n="a&amp;b">1 &lt; 2</cookie>');
    const xml = encodeResponse(
      { id: '"x"', time: 0, version: "4.0.0", origin: "system", target: "t", session: "<s>", cookie },
      errorBody({ code: 12, name: "UNKNOWN_SESSION", message: "No <such> session" }),
    );
    assert.ok(
      xml.startsWith(
        '<packet id="&quot;x&quot;" time="1970-01-01T00:00:00+0000" priority="0" version="4.0.0"><origin>system</origin><target>t</target><session>&lt;s&gt;</session><cookie n="a&amp;b">1 &lt; 2</cookie><dst>',
      ),
      xml,
    );
    assert.ok(
      xml.includes(
        "<data><system><error><code>12</code><message>No &lt;such&gt; session</message></error></system></data>",
      ),
    );
    assert.ok(parseResponse(xml).error?.code === 12);
  });

  it("formats times as YYYY-MM-DDThh:mm:ss+0000 in UTC", () => {
    assert.equal(formatPacketTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05+0000");
  });

  it("makes ids in the pattern <hex counter>c<hex unix time>t<hex>", () => {
    const next = createPacketIds(() => 0x446af2ae * 1000);
    assert.match(next(), /^1c446af2aet[0-9a-f]{4}$/);
    assert.match(next(), /^2c446af2aet[0-9a-f]{4}$/);
  });
});

describe("agent codec: serializing elements", () => {
  it("declares the namespaces an element taken out of its document needs", () => {
    const root = parseXml(
      '<p:packet xmlns:p="urn:p" xmlns:c="urn:c"><p:cookie c:a="1"><c:x/><y xmlns="urn:d"/></p:cookie></p:packet>',
    );
    const [cookie] = root.children;
    assert.ok(cookie && typeof cookie !== "string");
    assert.equal(
      serializeElement(cookie),
      '<p:cookie xmlns:p="urn:p" xmlns:c="urn:c" c:a="1"><c:x/><y xmlns="urn:d"/></p:cookie>',
    );
  });

  it("round-trips through the parser", () => {
    const text = '<a xmlns="urn:a" b="&quot;1&quot;">x<c xml:lang="sv">é &amp; &lt;</c><d/></a>';
    const once = serializeElement(parseXml(text));
    assert.equal(serializeElement(parseXml(once)), once);
    assert.equal(once, text);
  });
});

describe("agent client: building packets", () => {
  it("builds the seed's shape, base64 where asked, nested parameters, escaped text", () => {
    assert.equal(
      buildCallPacket(
        "sessionm",
        "put",
        [textParam("session_id", "S&"), groupParam("data", [textParam("key", "<k>"), { name: "value", base64: "v" }])],
        {
          id: "9",
        },
      ),
      '<packet version="4.0.0" id="9"><target>sessionm</target><data><sessionm><put><session_id>S&amp;</session_id><data><key>&lt;k&gt;</key><value>dg==</value></data></put></sessionm></data></packet>',
    );
    assert.equal(
      buildCallPacket("system", "get_realm", [], { session: "S" }),
      '<packet version="4.0.0"><session>S</session><data><system><get_realm></get_realm></system></data></packet>',
    );
    assert.throws(() => buildCallPacket("system", "get_realm", [textParam("a><b", "x")]), /Not an XML element name/);
    assert.throws(() => buildCallPacket("sys tem", "x", []), /Not an XML element name/);
  });
});
