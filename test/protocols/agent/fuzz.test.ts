/**
 * The Parallels Agent front door under fuzzing: packets generated from the Agent's interfaces, calls
 * and parameters (with a `<session>` header and without), and real packets mutated byte-wise, on
 * connections logged in with `system/login` and not. Whatever arrives, each packet gets an answer or an
 * error packet (or the connection is closed when framing is lost), never the internal error code,
 * nothing is logged as unexpected, and the server goes on serving.
 *
 * @see issue 15, part 5
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { base64Param } from "../../../src/protocols/agent/client.ts";
import { AGENT_ERROR_CODES } from "../../../src/protocols/agent/errors.ts";
import { AGENT_PASSWORDS, errorCodeOf, type RawConnection, startAgentApp } from "../../helpers/agent.ts";
import { assertNoInternalError, assertStillServing, FUZZ_SETTINGS, mutated, nastyString } from "../../helpers/fuzz.ts";

const ROOT_LOGIN =
  '<packet version="4.0.0" id="login"><data><system><login><name>cm9vdA==</name><password>bXlwYXNz</password></login></system></data></packet>';

const REAL_PACKETS = [
  ROOT_LOGIN,
  '<packet version="4.0.0" id="1"><data><system><get_realm/></system></data></packet>',
  '<packet version="4.0.0" id="2"><target>sessionm</target><data><sessionm><login><name>cm9vdA==</name><realm>00000000-0000-0000-0000-000000000000</realm><password>bXlwYXNz</password><expiration>1200</expiration></login></sessionm></data></packet>',
  '<packet version="4.0.0" id="3"><target>sessionm</target><data><sessionm><put><data><key>k</key><value>v</value></data></put></sessionm></data></packet>',
  '<packet version="4.0.0" id="4"><target>sessionm</target><data><sessionm><get><key>k</key></get></sessionm></data></packet>',
  '<packet version="4.0.0" id="5"><target>sessionm</target><data><sessionm><login_as><sid>AQUAAAAAIAHdKM5P0wxFE7uUMZK5QPuQAgAAAA==</sid></login_as></sessionm></data></packet>',
  '<packet version="4.0.0" id="6"><target>sessionm</target><session>vzl.0123</session><data><sessionm><logout><session_id>vzl.0123</session_id></logout></sessionm></data></packet>',
];

const INTERFACES = ["system", "sessionm", "nosuch", "__proto__"];
const CALLS = ["get_realm", "login", "login_as", "logout", "put", "get", "get_info", "constructor"];
const PARAMS = ["name", "password", "realm", "expiration", "sid", "session_id", "data", "key", "value", "cookie"];

const element: fc.Arbitrary<string> = fc.letrec<{ element: string }>((tie) => ({
  element: fc
    .tuple(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...PARAMS) },
        { weight: 1, arbitrary: fc.constantFrom("a:b", "x", "_") },
      ),
      fc.oneof(
        { depthSize: "small" },
        nastyString,
        fc.constantFrom("cm9vdA==", "bXlwYXNz", "!!", "", "1200", "-1", "99999999999"),
        fc.array(tie("element"), { maxLength: 3 }).map((c) => c.join("")),
      ),
    )
    .map(([name, content]) => `<${name}>${content}</${name}>`),
})).element;

const generatedPacket = fc
  .record({
    version: fc.constantFrom("4.0.0", "4.5.0", "evil", ""),
    id: fc.oneof(
      fc.nat().map(String),
      nastyString.map((s) => s.replace(/["<&]/g, "")),
    ),
    target: fc.option(fc.constantFrom(...INTERFACES), { nil: undefined }),
    session: fc.option(fc.oneof(fc.constantFrom("vzl.bogus", "vzl."), nastyString), { nil: undefined }),
    iface: fc.constantFrom(...INTERFACES),
    call: fc.constantFrom(...CALLS),
    params: fc.array(element, { maxLength: 4 }),
  })
  .map((p) => {
    const header =
      (p.target === undefined ? "" : `<target>${p.target}</target>`) +
      (p.session === undefined ? "" : `<session>${p.session}</session>`);
    return `<packet version="${p.version}" id="${p.id}">${header}<data><${p.iface}><${p.call}>${p.params.join("")}</${p.call}></${p.iface}></data></packet>`;
  });

/** The next answer, or null once the server closed the connection (it does when framing is lost). */
async function answerOf(raw: RawConnection): Promise<string | null> {
  return Promise.race([raw.next(10_000), raw.closed.then(() => null)]);
}

describe("Agent packets: fuzzing", () => {
  it("answers every generated or mutated packet, never with the internal error, and keeps serving", async (ctx) => {
    const t = await startAgentApp({ maxConnectionsPerAddress: 100_000, maxConnections: 100_000 }, FUZZ_SETTINGS);
    ctx.after(() => t.stop());

    const packet = fc.record({
      // No NUL inside: each case is exactly one packet, so each gets exactly one answer.
      text: fc.oneof(generatedPacket, mutated(REAL_PACKETS), nastyString).map((s) => s.replaceAll("\0", "")),
      loggedIn: fc.boolean(),
    });

    await fc.assert(
      fc.asyncProperty(packet, async ({ text, loggedIn }) => {
        const raw = await t.raw();
        try {
          if (loggedIn) {
            raw.send(`${ROOT_LOGIN}\0`);
            assert.equal(errorCodeOf((await raw.next()) ?? ""), undefined, "the login before the case");
          }
          raw.send(`${text}\0`);
          // Blank packets are skipped without an answer; a close (framing lost) is an answer too.
          if (text.trim() === "") return;
          const answer = await answerOf(raw);
          if (answer === null) return;
          assertNoInternalError(answer, text.slice(0, 200));
          assert.notEqual(errorCodeOf(answer), AGENT_ERROR_CODES.INTERNAL, `${text.slice(0, 200)}: ${answer}`);
        } finally {
          raw.socket.destroy();
        }
      }),
      { numRuns: 1500, seed: 1509 },
    );
    await assertStillServing(t);
    const client = await t.client();
    const login = await client.call("system", "login", [
      base64Param("name", "root"),
      base64Param("password", AGENT_PASSWORDS.root),
    ]);
    assert.equal(login.error, undefined, login.xml);
  });
});
