/**
 * The in-memory store's webhook outbox: entries in the order written, in a map that keeps insertion
 * order. Every method is one synchronous step, which is what makes a claim atomic here.
 *
 * @module
 */

import type { NewOutboxEntry, OutboxEntry, OutboxStore } from "../../core/store/index.ts";
import { alreadyExists } from "./already-exists.ts";

interface HeldEntry extends NewOutboxEntry {
  attempts: number;
  lastError: string | null;
  claim: string | null;
  dueAt: number;
}

/** The `OutboxStore` part of a memory store, empty at first. */
export class MemoryOutbox implements OutboxStore {
  private readonly entries = new Map<string, HeldEntry>();

  async enqueueOutbox(entries: readonly NewOutboxEntry[]): Promise<void> {
    const ids = new Set(entries.map((entry) => entry.id));
    if (ids.size < entries.length || entries.some((entry) => this.entries.has(entry.id))) {
      throw alreadyExists("An outbox entry with this id");
    }
    for (const entry of entries) {
      this.entries.set(entry.id, { ...entry, attempts: 0, lastError: null, claim: null, dueAt: entry.createdAt });
    }
  }

  async claimOutbox(now: number, leaseUntil: number, limit: number, claim: string): Promise<OutboxEntry[]> {
    const claimed: OutboxEntry[] = [];
    // Keys (per endpoint) already met on the way: a later entry of one of them waits its turn.
    const seen = new Set<string>();
    for (const entry of this.entries.values()) {
      if (claimed.length >= limit) break;
      const orderedBy = entry.orderKey === null ? null : `${entry.endpoint}\n${entry.orderKey}`;
      const behind = orderedBy !== null && seen.has(orderedBy);
      if (orderedBy !== null) seen.add(orderedBy);
      if (behind || entry.dueAt > now) continue;
      entry.attempts += 1;
      entry.claim = claim;
      entry.dueAt = leaseUntil;
      claimed.push(outboxEntry(entry, claim));
    }
    return claimed;
  }

  async completeOutbox(id: string, claim: string): Promise<boolean> {
    if (this.entries.get(id)?.claim !== claim) return false;
    return this.entries.delete(id);
  }

  async retryOutbox(id: string, claim: string, dueAt: number, error: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (entry?.claim !== claim) return false;
    entry.claim = null;
    entry.dueAt = dueAt;
    entry.lastError = error;
    return true;
  }

  async countOutbox(): Promise<number> {
    return this.entries.size;
  }

  /** How many entries are kept, for the size estimate. */
  get size(): number {
    return this.entries.size;
  }
}

function outboxEntry(entry: HeldEntry, claim: string): OutboxEntry {
  return {
    id: entry.id,
    endpoint: entry.endpoint,
    orderKey: entry.orderKey,
    eventType: entry.eventType,
    payload: entry.payload,
    createdAt: entry.createdAt,
    attempts: entry.attempts,
    lastError: entry.lastError,
    claim,
  };
}
