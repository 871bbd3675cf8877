/**
 * What the who-am-i operation itself costs, without HTTP: the engine's `call(whoAmI)` in a loop over
 * warm sessions of the memory store, the JSON API's compiled serialiser, and the secret's digest,
 * each in µs per call. Not a scenario of `npm run bench` (nothing to compare it with in the same
 * run): the yardstick for reading the `calibration` scenario, which says how many µs of own work per
 * request a ratio to raw `node:http` leaves.
 *
 *   node --import tsx bench/engine-only.ts [--sessions 2000] [--calls 200000] [--rounds 3]
 */

import { parseArgs } from "node:util";
import fastJson from "fast-json-stringify";
import { parseConfig } from "../src/core/config.ts";
import { createEngine } from "../src/core/engine.ts";
import type { CallContext } from "../src/core/operation.ts";
import { login, whoAmI } from "../src/core/ops/index.ts";
import { createArgon2Hasher } from "../src/core/password.ts";
import { digestSecret } from "../src/core/secrets.ts";
import { clientSchema, sessionSchema, whoAmISchema } from "../src/protocols/api/schemas.ts";
import { provision } from "../src/server/provision.ts";
import { createMemoryStore } from "../src/store/memory/index.ts";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "2000" },
    calls: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
  },
});
const sessionCount = Number(values.sessions);
const calls = Number(values.calls);

const PASSWORD = "engine-only-password";
const engine = createEngine({
  store: createMemoryStore(),
  // The real hash is not what is measured: logins only make the sessions.
  hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }),
});
await provision(
  engine,
  parseConfig({
    store: { driver: "memory" },
    realms: [{ name: "default", users: [{ name: "bench", password: PASSWORD }] }],
  }),
);
const context = (secret?: string): CallContext => ({
  protocol: "api",
  secret,
  ipAddress: "127.0.0.1",
  userAgent: "engine-only/1.0",
  isLoopback: true,
});
const secrets: string[] = [];
for (let i = 0; i < sessionCount; i++) {
  const made = await engine.call(login, context(), { userName: "bench", password: PASSWORD });
  if (made.secret) secrets.push(made.secret);
}
const serialize = fastJson(whoAmISchema, {
  schema: { [sessionSchema.$id]: sessionSchema, [clientSchema.$id]: clientSchema },
});
const answer = await engine.call(whoAmI, context(secrets[0]));

/** µs per iteration of `work`, run `calls` times. */
async function timed(work: (i: number) => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await work(i);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

const pick = (i: number) => secrets[i % secrets.length] as string;
for (let round = 1; round <= Number(values.rounds); round++) {
  const call = await timed((i) => engine.call(whoAmI, context(pick(i))));
  const serialise = await timed(() => serialize(answer));
  const digest = await timed((i) => digestSecret(pick(i)));
  console.log(
    `engine-only round ${round}: engine.call(whoAmI) ${call.toFixed(2)} µs | serialise ${serialise.toFixed(2)} µs | ` +
      `digest ${digest.toFixed(2)} µs (per call, ${sessionCount} sessions, ${calls} calls)`,
  );
}
await engine.stop();
