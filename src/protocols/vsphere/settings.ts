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

import { booleanSetting, checkKnownSettings, integerSetting } from "../../core/config-readers.ts";

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

export function parseVsphereSettings(raw: Record<string, unknown> | undefined): VsphereSettings {
  const settings: VsphereSettings = { ...DEFAULT_VSPHERE_SETTINGS };
  if (raw === undefined) return settings;
  checkKnownSettings(raw, "vsphere", Object.keys(DEFAULT_VSPHERE_SETTINGS));
  if (raw.enabled !== undefined) settings.enabled = booleanSetting(raw.enabled, "vsphere.enabled");
  if (raw.maxRequestBytes !== undefined) {
    settings.maxRequestBytes = integerSetting(raw.maxRequestBytes, "vsphere.maxRequestBytes", 4096, 64 * 1024 * 1024);
  }
  if (raw.maxWaitSeconds !== undefined) {
    settings.maxWaitSeconds = integerSetting(raw.maxWaitSeconds, "vsphere.maxWaitSeconds", 1, 24 * 3600);
  }
  return settings;
}
