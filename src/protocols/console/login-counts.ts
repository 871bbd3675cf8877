/**
 * Logins and failed logins over the last hour, for the dashboard: counted from the engine's events
 * in one-minute buckets, so that the dashboard reads no audit log. Events other nodes relay are
 * counted too. The count starts when this server starts: a node up for less than an hour shows less.
 *
 * @module
 */

import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/events.ts";

const MINUTE = 60_000;
const BUCKETS = 60;

export interface LoginCounts {
  lastHour(): { logins: number; failedLogins: number };
  stop(): void;
}

export function countLogins(events: EventBus, clock: Clock): LoginCounts {
  const buckets = new Map<number, { logins: number; failedLogins: number }>();
  const unsubscribe = events.subscribe((event) => {
    if (event.type !== "login" && event.type !== "login-failed") return;
    const minute = Math.floor(event.at / MINUTE);
    const bucket = buckets.get(minute) ?? { logins: 0, failedLogins: 0 };
    if (event.type === "login") bucket.logins += 1;
    else bucket.failedLogins += 1;
    buckets.set(minute, bucket);
    for (const old of buckets.keys()) if (old <= minute - BUCKETS) buckets.delete(old);
  });
  return {
    lastHour() {
      const since = Math.floor(clock.now() / MINUTE) - BUCKETS;
      let logins = 0;
      let failedLogins = 0;
      for (const [minute, bucket] of buckets) {
        if (minute <= since) continue;
        logins += bucket.logins;
        failedLogins += bucket.failedLogins;
      }
      return { logins, failedLogins };
    },
    stop: unsubscribe,
  };
}
