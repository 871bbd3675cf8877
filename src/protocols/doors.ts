/**
 * Every front door sessiond has, in the order their routes are registered (the JSON API first, so
 * that its static routes win over httpkom's patterns when httpkom is mounted at `/`). The server
 * wires them only through this list.
 *
 * @module
 */

import { agentDoor } from "./agent/door.ts";
import { apiDoor } from "./api/door.ts";
import { astrogridDoor } from "./astrogrid/door.ts";
import { consoleDoor } from "./console/door.ts";
import { httpkomDoor } from "./httpkom/door.ts";
import { type RegisteredDoor, registerDoor } from "./kit/front-door.ts";
import { vsphereDoor } from "./vsphere/door.ts";

export const FRONT_DOORS: readonly RegisteredDoor[] = [
  registerDoor(apiDoor),
  registerDoor(httpkomDoor),
  registerDoor(vsphereDoor),
  registerDoor(astrogridDoor),
  registerDoor(agentDoor),
  registerDoor(consoleDoor),
];
