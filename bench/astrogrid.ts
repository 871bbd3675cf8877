/**
 * Scenario `astrogrid`: XML-RPC calls per second through the AstroGrid front door, each a
 * `session.state.get` of one key (`k`, not set: the answer is the string "NULL") POSTed to
 * `/astrogrid/<secret>/xmlrpc` as Python's `xmlrpc.client` sends it, against a store holding many live
 * sessions.
 *
 * Why: it is the AstroGrid front door's per-call cost: Fastify's routing and body reading, the strict
 * XML parse of a `<methodCall>`, the method table, the session named by the URL's first segment (any
 * sessiond secret of 16 to 128 URL-safe characters is a context there, so the bench sessions' 43-character
 * base64url secrets serve as they are), one attribute read and an XML-RPC answer. The path rotates
 * over the secrets. The server runs with an `astrogrid` block, its discovery file in the data directory.
 *
 * Baseline: the raw `node:http` server (which drains the body and answers `{"ok":true}`) with the same
 * requests, same generator, connections and duration, and for context the raw server answering
 * sessiond's own XML-RPC answer. Measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.5 × the `{"ok":true}` baseline.
 */

import { checkedBody, type HttpScenario, runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";

export const ASTROGRID_TARGET = 0.5;
/** The request path; `{item}` is the secret (see `bench/lib/wrk/bench.lua`). */
const PATH = "/astrogrid/{item}/xmlrpc";

/** `xmlrpc.client.ServerProxy(url).session.state.get("k")`, byte for byte as Python 3 writes it. */
const STATE_GET =
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>session.state.get</methodName>\n<params>\n<param>\n" +
  "<value><string>k</string></value>\n</param>\n</params>\n</methodCall>\n";

const astrogrid: HttpScenario = {
  name: "astrogrid",
  target: ASTROGRID_TARGET,
  unit: "calls/s",
  sessiond: { astrogrid: true },
  wrk: (baseUrl) => ({ mode: "xmlrpc", body: STATE_GET, path: PATH, url: baseUrl }),
  /** One answer to the measured call, checked to be a value (not a fault, not the 403 of an unknown context). */
  answer: async (server) =>
    checkedBody(
      "astrogrid",
      await fetch(`${server.url}${PATH.replace("{item}", server.secrets[0] ?? "")}`, {
        method: "POST",
        headers: { "content-type": "text/xml", "user-agent": "Python-xmlrpc/3.11" },
        body: STATE_GET,
      }),
      "<params><param><value>NULL</value>",
    ),
  answerWords: "XML-RPC answer",
};

export const runAstrogrid = (options: BenchOptions) => runHttpScenario(options, astrogrid);
