/**
 * Events: every change to a session is announced with a reason. The audit log, push channels (SSE,
 * vSphere property updates, Agent packets) and metrics subscribe here. Events never carry a secret.
 *
 * @module
 */

import type { EndReason, EventType, Protocol } from "./types.ts";

export interface SessionEvent {
  type: EventType;
  at: number;
  /** Public key of the session concerned, if any. */
  sessionKey: string | null;
  sessionNumber: number | null;
  realm: string | null;
  userName: string | null;
  protocol: Protocol | null;
  /** The acting user when someone other than the session's own user caused the event. */
  actor: string | null;
  ipAddress: string | null;
  /** Human-readable detail, never containing secrets. */
  detail: string | null;
  /**
   * A failed login's user name when no user has it (`userName` is null then). It may be a password
   * typed into the wrong field: the audit log records only a keyed digest of it (`audit-names.ts`),
   * and nothing may log or store it as it is.
   */
  unknownUserName?: string;
  /**
   * True when another node emitted it and this node only relays it (a shared store's hint): it is
   * already in the audit log and must not be announced again.
   */
  remote?: boolean;
  /** For `session-expiring`: the idle deadline, epoch ms. */
  deadline?: number;
}

export type EventListener = (event: SessionEvent) => void;

export interface EventBus {
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void;
  emit(event: SessionEvent): void;
}

/**
 * A synchronous bus. A listener that throws is reported to `onListenerError` and does not stop the
 * others: one broken subscriber must not break a login.
 */
export function createEventBus(onListenerError: (error: unknown) => void): EventBus {
  const listeners = new Set<EventListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
  };
}

/** The events that end a session, each a reason (`EndReason`). */
export const END_REASONS: ReadonlySet<EventType> = new Set<EndReason>([
  "terminated",
  "expired-idle",
  "expired-absolute",
  "connection-closed",
  "disposed",
  "evicted",
]);

export function isEndReason(type: EventType): type is EndReason {
  return END_REASONS.has(type);
}

/**
 * Whether after this event the session no longer has its logged-in user: it ended, or it was logged
 * out (and lives on, anonymous). Push channels and connection logins that belong to the user stop then.
 */
export function endsLogin(type: EventType): boolean {
  return type === "logout" || isEndReason(type);
}
