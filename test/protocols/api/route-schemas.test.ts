/**
 * Every JSON API route that takes input states it as the operation it calls declares it: the route's
 * body and path fields are the operation's input fields, with the same schema, so that a limit
 * changed in the core changes the route and its OpenAPI document too.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { Operation } from "../../../src/core/operation.ts";
import { MAX_CHOSEN_IDLE_SECONDS } from "../../../src/core/sessions.ts";
import { apiPlugin } from "../../../src/protocols/api/plugin.ts";
import { routeSchemaOf } from "../../../src/protocols/api/schemas.ts";
import { startApiApp } from "../../helpers/api.ts";
import { startEngine } from "../../helpers/engine.ts";

interface ObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
}

async function apiRoutes(): Promise<RouteOptions[]> {
  const { engine } = await startEngine();
  const app: FastifyInstance = Fastify();
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  // biome-ignore lint/nursery/noMisusedPromises: Fastify awaits async plugins; the rule misreads register's overloads.
  await app.register(apiPlugin, { prefix: "/api/v1", engine });
  await app.ready();
  await app.close();
  return routes;
}

describe("JSON API route schemas", () => {
  it("take every body and path field from the operation the route calls", async () => {
    const routes = await apiRoutes();
    const withInput = routes.filter((route) => route.schema?.body || route.schema?.params);
    assert.ok(withInput.length >= 10, `only ${withInput.length} routes take input`);
    for (const route of withInput) {
      const where = `${route.method} ${route.url}`;
      const op = (route.config as { operation?: Operation<unknown, unknown> } | undefined)?.operation;
      assert.ok(op, `${where} takes input but names no operation in config.operation`);
      const input = op.input as ObjectSchema;
      for (const part of ["body", "params"] as const) {
        const schema = route.schema?.[part] as ObjectSchema | undefined;
        if (!schema) continue;
        for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
          const declared = input.properties?.[field];
          if (part === "params" && declared === undefined) continue; // a path may name the target only
          assert.ok(declared, `${where}: ${part} field ${field} is not an input of ${op.name}`);
          assert.deepEqual(fieldSchema, routeSchemaOf(declared as never), `${where}: ${part} field ${field}`);
        }
        for (const field of input.required ?? []) {
          if (field in (schema.properties ?? {})) {
            assert.ok(schema.required?.includes(field), `${where}: ${field} is required by ${op.name}`);
          }
        }
      }
    }
  });

  it("show the operations' limits in the OpenAPI document, and enforce them", async () => {
    const t = await startApiApp();
    try {
      const doc = (await t.request("GET", "/api/v1/openapi.json")).body;
      const loginBody = doc.paths["/api/v1/login"].post.requestBody.content["application/json"].schema;
      assert.equal(loginBody.properties.idleTimeoutSeconds.maximum, MAX_CHOSEN_IDLE_SECONDS);
      assert.equal(loginBody.properties.password.maxLength, 1024);
      const tooLong = await t.request("POST", "/api/v1/login", {
        body: { userName: "alice", password: "x", idleTimeoutSeconds: MAX_CHOSEN_IDLE_SECONDS + 1 },
      });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.code, "INVALID_ARGUMENT");
    } finally {
      await t.stop();
    }
  });
});
