/**
 * The hot path of the JSON API: `GET /api/v1/session` (who am I), the call that applications make on
 * every request they validate. It is answered straight from Node's request event, before Fastify's
 * routing, hooks and serialiser, which cost several times the operation itself on this call.
 *
 * It is the same operation (`whoAmI`) with the same caller facts, the same error mapping and the same
 * body as the Fastify route, which still serves every other form of the request (HEAD, a query
 * string, a trailing slash). `test/protocols/api/fast-path.test.ts` holds the two to one answer.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import fastJson from "fast-json-stringify";
import type { Engine, EngineLogger } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { whoAmI } from "../../core/ops/index.ts";
import { errorBody, errorHeaders, INTERNAL_ERROR, statusOf } from "./errors.ts";
import { API_PREFIX, apiContext } from "./plugin.ts";
import { clientSchema, sessionSchema, whoAmISchema } from "./schemas.ts";

export const WHO_AM_I_PATH = `${API_PREFIX}/session`;

const JSON_TYPE = "application/json; charset=utf-8";

function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  res.writeHead(status, {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/**
 * Returns a request listener step: it answers who-am-i requests itself and returns true, or returns
 * false and leaves the request to Fastify.
 */
export function createWhoAmIFastPath(engine: Engine, log: EngineLogger) {
  // The route's own response schema, compiled once: it writes the body in about half the time
  // `JSON.stringify` takes, and exactly as the Fastify route would.
  const serializeWhoAmI = fastJson(whoAmISchema, {
    schema: { [sessionSchema.$id]: sessionSchema, [clientSchema.$id]: clientSchema },
  });
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET" || req.url !== WHO_AM_I_PATH) return false;
    engine.call(whoAmI, apiContext(req)).then(
      (result) => send(res, 200, serializeWhoAmI(result)),
      (error: unknown) => {
        let failure: SessionError;
        if (error instanceof SessionError) failure = error;
        else {
          log.error({ err: error }, "Unexpected error in the JSON API");
          failure = INTERNAL_ERROR;
        }
        send(res, statusOf(failure.code), JSON.stringify(errorBody(failure)), errorHeaders(failure));
      },
    );
    return true;
  };
}
