/**
 * The store contract, part seven: the outbox of events that leave the process (webhooks). An entry is
 * written while the request that caused it is still open, and deleted only once a receiver has taken
 * it, so that a crash between the two delivers it late rather than never.
 *
 * Entries are claimed with a lease: a claim hides an entry from other claimers until `leaseUntil`,
 * and only the holder of that claim may delete or reschedule it. A node that dies holding a claim
 * leaves the entry to be claimed again once the lease has passed. Entries of one endpoint that share an
 * `orderKey` (a session) are claimed one at a time, in the order they were written: an entry is not
 * claimed while an earlier one of its key is still in the outbox.
 *
 * @module
 */

/** An event for one endpoint, as written. */
export interface NewOutboxEntry {
  /** Unique id, the receiver's deduplication key (`webhook-id`). */
  id: string;
  /** The endpoint it is for (its URL). */
  endpoint: string;
  /** Entries of one endpoint with the same key are delivered in order; null: in any order. */
  orderKey: string | null;
  /** The event's name (`session.login`), for logs. */
  eventType: string;
  /** The body to send, as it will be sent. */
  payload: string;
  /** When it was written, epoch ms; also the first time it is due. */
  createdAt: number;
}

/** An entry as a claim returns it. */
export interface OutboxEntry extends NewOutboxEntry {
  /** Claims so far, this one included. */
  attempts: number;
  /** What the last failed attempt said, or null. */
  lastError: string | null;
  /** The claim that holds it now: pass it to `completeOutbox` or `retryOutbox`. */
  claim: string;
}

export interface OutboxStore {
  /**
   * Writes entries, all or none, in the order given (which is their order within a key). Rejects with
   * `ALREADY_EXISTS` when an id is taken.
   */
  enqueueOutbox(entries: readonly NewOutboxEntry[]): Promise<void>;
  /**
   * Claims at most `limit` entries that are due (`now` has reached their due time) and not behind an
   * earlier entry of their endpoint and key, oldest first: each is hidden from other claims until
   * `leaseUntil`, its `attempts` grows by one and `claim` holds it. Of several concurrent callers
   * (nodes) each entry goes to one.
   */
  claimOutbox(now: number, leaseUntil: number, limit: number, claim: string): Promise<OutboxEntry[]>;
  /** Deletes a delivered (or abandoned) entry; false when `claim` no longer holds it. */
  completeOutbox(id: string, claim: string): Promise<boolean>;
  /** Releases a claimed entry to be due again at `dueAt`; false when `claim` no longer holds it. */
  retryOutbox(id: string, claim: string, dueAt: number, error: string): Promise<boolean>;
  /** How many entries wait, claimed or not. */
  countOutbox(): Promise<number>;
}
