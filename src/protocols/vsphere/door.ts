/**
 * vSphere as a front door: on by default (`vsphere.enabled`), at `/sdk`.
 *
 * @module
 */

import type { FrontDoor } from "../kit/front-door.ts";
import { vspherePlugin } from "./plugin.ts";
import { parseVsphereSettings, type VsphereSettings } from "./settings.ts";

export const vsphereDoor: FrontDoor<VsphereSettings> = {
  name: "vsphere",
  settings(config) {
    const settings = parseVsphereSettings(config.frontDoors.vsphere);
    return settings.enabled ? settings : undefined;
  },
  async http(app, settings, { engine, productVersion }) {
    await app.register(vspherePlugin, { prefix: "/sdk", engine, settings, productVersion });
    return undefined;
  },
};
