/**
 * The `agent` block of the configuration, checked. The front door is on only when the block is
 * present (even empty), so that servers and tests without it open no extra ports:
 *
 * ```json
 * "agent": { "host": "127.0.0.1", "port": 4433, "tlsPort": 4434, "tls": { "cert": "c.pem", "key": "k.pem" },
 *            "hostId": "4fce28dd-0cd3-1345-bb94-3192b940fb90", "maxPacketBytes": 1048576,
 *            "maxConnections": 1000, "maxConnectionsPerAddress": 100, "unauthenticatedIdleSeconds": 60,
 *            "loginTimeoutSeconds": 120, "maxQueuedPackets": 64 }
 * ```
 *
 * @module
 */

import type { TlsConfig } from "../../core/config.ts";
import { checkKnownSettings, failSetting, integerSetting, textSetting, tlsSetting } from "../../core/config-readers.ts";
import { GUID_PATTERN } from "../../core/validate.ts";

export interface AgentSettings {
  /** Listen address of both listeners. @default http.host */
  host: string;
  /** Plain TCP port; 0 picks a free port, null turns the plain listener off. @default 4433 */
  port: number | null;
  /** TLS port; 0 picks a free port, null turns the TLS listener off. @default 4434 */
  tlsPort: number | null;
  /** Certificate of the TLS listener; the TLS listener is off when null. @default http.tls */
  tls: TlsConfig | null;
  /**
   * The Agent host id (a GUID): the `vzclient<N>-<hostId>` target of every answer and the GUID in the
   * SIDs of the default realm. Absent: generated once and kept in `<dataDir>/agent-host-id`.
   */
  hostId: string | undefined;
  /** Largest packet accepted, in bytes, without its NUL. @default 1048576 */
  maxPacketBytes: number;
  /** Most connections open at once. @default 1000 */
  maxConnections: number;
  /** Most connections open at once from one IP address. @default 100 */
  maxConnectionsPerAddress: number;
  /**
   * Seconds a connection without a permanent session may go without completing a packet before it
   * is closed (fractions allowed). @default 60
   */
  unauthenticatedIdleSeconds: number;
  /**
   * Seconds a connection has to log in (`system/login`) after it connects or loses its login, however
   * often it sends packets meanwhile: a client that never logs in cannot hold a connection slot for
   * ever by sending a packet now and then (fractions allowed). @default 120
   */
  loginTimeoutSeconds: number;
  /**
   * Packets of one connection read ahead of the one being answered; reading pauses beyond this (or
   * beyond `maxPacketBytes` of queued bytes, or while the client does not read its answers). @default 64
   */
  maxQueuedPackets: number;
}

export const DEFAULT_AGENT_PORT = 4433;
export const DEFAULT_AGENT_TLS_PORT = 4434;

const DEFAULTS = {
  port: DEFAULT_AGENT_PORT,
  tlsPort: DEFAULT_AGENT_TLS_PORT,
  maxPacketBytes: 1024 * 1024,
  maxConnections: 1000,
  maxConnectionsPerAddress: 100,
  unauthenticatedIdleSeconds: 60,
  loginTimeoutSeconds: 120,
  maxQueuedPackets: 64,
} as const;

const KNOWN = [
  "host",
  "port",
  "tlsPort",
  "tls",
  "hostId",
  "maxPacketBytes",
  "maxConnections",
  "maxConnectionsPerAddress",
  "unauthenticatedIdleSeconds",
  "loginTimeoutSeconds",
  "maxQueuedPackets",
];

function port(value: unknown, path: string, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  return integerSetting(value, path, 0, 65535);
}

/** `undefined`: the HTTP listener's certificate; `null`: no TLS listener even when `http.tls` is set. */
function tls(value: unknown, fallback: TlsConfig | null): TlsConfig | null {
  return value === undefined ? fallback : tlsSetting(value, "agent.tls");
}

/** A number of seconds; fractions are allowed so that tests (and cautious operators) can use sub-second values. */
function seconds(value: unknown, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0.001 || value > 86_400) {
    failSetting(path, "must be a number of seconds from 0.001 to 86400");
  }
  return value;
}

/**
 * Checks the raw `agent` block; undefined when it is absent (the front door is off). `http` gives the
 * defaults of `host` and `tls`. Throws `INVALID_ARGUMENT` naming the path of a wrong setting.
 */
export function parseAgentSettings(
  raw: Record<string, unknown> | undefined,
  http: { host: string; tls: TlsConfig | null },
): AgentSettings | undefined {
  if (raw === undefined) return undefined;
  checkKnownSettings(raw, "agent", KNOWN);
  const settings: AgentSettings = {
    host: raw.host === undefined ? http.host : textSetting(raw.host, "agent.host"),
    port: port(raw.port, "agent.port", DEFAULTS.port),
    tlsPort: port(raw.tlsPort, "agent.tlsPort", DEFAULTS.tlsPort),
    tls: tls(raw.tls, http.tls),
    hostId: undefined,
    maxPacketBytes:
      raw.maxPacketBytes === undefined
        ? DEFAULTS.maxPacketBytes
        : integerSetting(raw.maxPacketBytes, "agent.maxPacketBytes", 1024, 64 * 1024 * 1024),
    maxConnections:
      raw.maxConnections === undefined
        ? DEFAULTS.maxConnections
        : integerSetting(raw.maxConnections, "agent.maxConnections", 1, 1_000_000),
    maxConnectionsPerAddress:
      raw.maxConnectionsPerAddress === undefined
        ? DEFAULTS.maxConnectionsPerAddress
        : integerSetting(raw.maxConnectionsPerAddress, "agent.maxConnectionsPerAddress", 1, 1_000_000),
    unauthenticatedIdleSeconds: seconds(
      raw.unauthenticatedIdleSeconds,
      "agent.unauthenticatedIdleSeconds",
      DEFAULTS.unauthenticatedIdleSeconds,
    ),
    loginTimeoutSeconds: seconds(raw.loginTimeoutSeconds, "agent.loginTimeoutSeconds", DEFAULTS.loginTimeoutSeconds),
    maxQueuedPackets:
      raw.maxQueuedPackets === undefined
        ? DEFAULTS.maxQueuedPackets
        : integerSetting(raw.maxQueuedPackets, "agent.maxQueuedPackets", 1, 10_000),
  };
  if (raw.hostId !== undefined) {
    if (typeof raw.hostId !== "string" || !GUID_PATTERN.test(raw.hostId)) {
      failSetting("agent.hostId", 'must be a GUID like "4fce28dd-0cd3-1345-bb94-3192b940fb90"');
    }
    settings.hostId = raw.hostId.toLowerCase();
  }
  if (settings.port === null && (settings.tlsPort === null || settings.tls === null)) {
    failSetting(
      "agent.port",
      "is null, and without a TLS certificate and tlsPort the front door would have no listener",
    );
  }
  if (settings.port !== null && settings.port !== 0 && settings.port === settings.tlsPort && settings.tls) {
    failSetting("agent.tlsPort", "must differ from agent.port");
  }
  return settings;
}
