/**
 * Scenario `httpkom`: requests per second of httpkom's who-am-i, `GET
 * /httpkom/default/sessions/current/who-am-i` with the session's secret in the `Httpkom-Connection`
 * header (the connection id, as jskom sends it), against a store holding many live sessions.
 *
 * Why: it is the httpkom front door's floor, the call jskom makes to find out whether its connection
 * still stands. Unlike the JSON API's who-am-i it has no fast path: it goes through Fastify's routing
 * (the realm is a path parameter, `server_id`), the realm check (a session of another realm counts
 * as none), the engine's `whoAmI` operation and the plugin's `onSend` hook. The bench sessions are in
 * realm `default`, so that is the `server_id`; the header rotates over the secrets.
 *
 * Baseline: the raw `node:http` server answering `{"ok":true}` to the same requests (same generator,
 * connections and duration), and for context the raw server answering httpkom's own who-am-i body.
 * Measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.5 × the `{"ok":true}` baseline.
 */

import { checkedBody, type HttpScenario, runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";

export const HTTPKOM_TARGET = 0.5;
/** The bench sessions' realm, which httpkom's `server_id` must name. */
const REALM = "default";
const PATH = `/httpkom/${REALM}/sessions/current/who-am-i`;
const HEADER = "Httpkom-Connection";

const httpkom: HttpScenario = {
  name: "httpkom",
  target: HTTPKOM_TARGET,
  unit: "req/s",
  wrk: (baseUrl) => ({ mode: "header", header: HEADER, url: `${baseUrl}${PATH}` }),
  /** One answer to the measured request, checked to be a who-am-i of a logged-in session. */
  answer: async (server) =>
    checkedBody(
      "httpkom",
      await fetch(`${server.url}${PATH}`, { headers: { [HEADER]: server.secrets[0] ?? "" } }),
      '"person":{',
    ),
  answerWords: "who-am-i body",
};

export const runHttpkom = (options: BenchOptions) => runHttpScenario(options, httpkom);
