/**
 * Client descriptions (name, version, address, user agent) interned as a whole for the in-memory
 * store: they repeat across sessions even more than their parts, so one id per session replaces four.
 *
 * @module
 */

import type { ClientInfo } from "../../core/types.ts";
import { StringPool } from "./string-pool.ts";

/** Interned `ClientInfo`s with reference counts; ids start at 1. */
export class ClientPool {
  private readonly pool = new StringPool();
  private readonly infos: (ClientInfo | undefined)[] = [];

  // The last client acquired: most sessions in a row come from the same kind of client.
  private lastId = 0;
  private lastName: string | undefined;
  private lastVersion: string | undefined;
  private lastIpAddress: string | undefined;
  private lastUserAgent: string | undefined;

  /** Takes a reference to the client's string fields (others are dropped, as the store keeps them). */
  acquire(client: ClientInfo | null | undefined): number {
    const name = typeof client?.name === "string" ? client.name : undefined;
    const version = typeof client?.version === "string" ? client.version : undefined;
    const ipAddress = typeof client?.ipAddress === "string" ? client.ipAddress : undefined;
    const userAgent = typeof client?.userAgent === "string" ? client.userAgent : undefined;
    if (
      this.lastId !== 0 &&
      name === this.lastName &&
      version === this.lastVersion &&
      ipAddress === this.lastIpAddress &&
      userAgent === this.lastUserAgent
    ) {
      return this.pool.acquireId(this.lastId);
    }
    const info: ClientInfo = {};
    if (name !== undefined) info.name = name;
    if (version !== undefined) info.version = version;
    if (ipAddress !== undefined) info.ipAddress = ipAddress;
    if (userAgent !== undefined) info.userAgent = userAgent;
    const id = this.pool.acquire(JSON.stringify([name ?? null, version ?? null, ipAddress ?? null, userAgent ?? null]));
    if (this.pool.count(id) === 1) this.infos[id] = info;
    this.lastId = id;
    this.lastName = name;
    this.lastVersion = version;
    this.lastIpAddress = ipAddress;
    this.lastUserAgent = userAgent;
    return id;
  }

  /** Drops one reference; the last one frees the id. */
  release(id: number): void {
    this.pool.release(id);
    if (this.pool.count(id) > 0) return;
    this.infos[id] = undefined;
    // The id may be handed to another client now.
    if (id === this.lastId) this.lastId = 0;
  }

  /** The address of a client, without copying it. */
  ipAddress(id: number): string | undefined {
    return this.infos[id]?.ipAddress;
  }

  /** A fresh copy of the client with only the fields that were set. */
  copy(id: number): ClientInfo {
    return { ...this.infos[id] };
  }
}
