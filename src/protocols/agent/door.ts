/**
 * The Parallels Agent as a front door: on only when the configuration has an `agent` block, since it
 * opens TCP (and TLS) ports of its own. It starts once the HTTP listener listens.
 *
 * @module
 */

import type { FrontDoor, Listener, StartedDoor } from "../kit/front-door.ts";
import { loadOrCreateHostId } from "./host-id.ts";
import { type AgentStats, createAgentServer } from "./server.ts";
import { type AgentSettings, parseAgentSettings } from "./settings.ts";

/** What the Agent front door exposes once started. */
export interface AgentInfo {
  hostId: string;
  listeners: Listener[];
  stats(): AgentStats;
}

export const agentDoor: FrontDoor<AgentSettings, AgentInfo> = {
  name: "agent",
  settings: (config) => parseAgentSettings(config.frontDoors.agent, config.http),
  async start(settings, { engine, config, log }) {
    const hostId = settings.hostId ?? loadOrCreateHostId(config.dataDir);
    const server = createAgentServer({ engine, settings, hostId, log: log.child({ frontDoor: "agent" }) });
    const listeners = await server.start();
    return {
      listeners,
      notices: [],
      info: { hostId, listeners, stats: () => server.stats() },
      // Closing the connections ends their permanent sessions, before the engine stops.
      stop: () => server.stop(),
    };
  },
};

/** The started Agent front door's info among a server's started doors, or undefined when it is off. */
export function agentInfo(doors: ReadonlyMap<string, StartedDoor>): AgentInfo | undefined {
  return doors.get(agentDoor.name)?.info as AgentInfo | undefined;
}
