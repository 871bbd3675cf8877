/**
 * The `vsphere` block of the configuration, checked. The front door is on by default: it is one more
 * route (`/sdk`) on the HTTP listener, like httpkom, and opens no port of its own.
 *
 * ```json
 * "vsphere": { "enabled": true, "maxRequestBytes": 1048576, "maxWaitSeconds": 900 }
 * ```
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";

export interface VsphereSettings {
  /** Whether `/sdk` is served. @default true */
  enabled: boolean;
  /** Largest SOAP or JSON request body, in bytes. @default 1048576 */
  maxRequestBytes: number;
  /**
   * Longest a `WaitForUpdatesEx` waits for a change before it answers "no change", in seconds, also
   * when the client asks to wait longer or without end (clients call again). @default 900
   */
  maxWaitSeconds: number;
}

export const DEFAULT_VSPHERE_SETTINGS: VsphereSettings = {
  enabled: true,
  maxRequestBytes: 1024 * 1024,
  maxWaitSeconds: 900,
};

function fail(path: string, expectation: string): never {
  throw new SessionError("INVALID_ARGUMENT", `Configuration: ${path} ${expectation}.`, { details: { path } });
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(path, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function parseVsphereSettings(raw: Record<string, unknown> | undefined): VsphereSettings {
  const settings: VsphereSettings = { ...DEFAULT_VSPHERE_SETTINGS };
  if (raw === undefined) return settings;
  const known = Object.keys(DEFAULT_VSPHERE_SETTINGS);
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) fail(`vsphere.${name}`, `is not a known setting (known: ${known.join(", ")})`);
  }
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== "boolean") fail("vsphere.enabled", "must be true or false");
    settings.enabled = raw.enabled;
  }
  if (raw.maxRequestBytes !== undefined) {
    settings.maxRequestBytes = integer(raw.maxRequestBytes, "vsphere.maxRequestBytes", 4096, 64 * 1024 * 1024);
  }
  if (raw.maxWaitSeconds !== undefined) {
    settings.maxWaitSeconds = integer(raw.maxWaitSeconds, "vsphere.maxWaitSeconds", 1, 24 * 3600);
  }
  return settings;
}
