/**
 * Session attributes on PostgreSQL: a session's own key/value state, held to limits.
 *
 * `putAttributes` must keep the limits even when several nodes write one session's attributes at once:
 * two writes that each fit alone may not fit together. So it is one transaction that first locks the
 * session's row (`FOR NO KEY UPDATE`: it excludes the other writers of the row, but not the key-share
 * locks the attributes' foreign key takes), then, in a statement started after the lock was granted,
 * reads the usage that every earlier writer committed, and writes only when the limits hold. A missing
 * row means the session is gone: nothing is written.
 *
 * Each row keeps its UTF-8 size (name plus value), so the usage is one `sum()`; sizes are counted here
 * with `Buffer.byteLength`, as the other drivers count them. A batch naming an attribute twice keeps the
 * later value (and must, for `INSERT ... ON CONFLICT` may not touch one row twice).
 *
 * @module
 */

import type { AttributeEntry, AttributeLimits, PutAttributeResult, SessionStore } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";

export type AttributesPart = Pick<
  SessionStore,
  "getAttribute" | "putAttributes" | "deleteAttribute" | "listAttributes"
>;

interface Usage {
  /** Attributes the session holds. */
  count: number;
  /** Their bytes. */
  bytes: number;
  /** How many of them the batch replaces, and their bytes. */
  replaced_count: number;
  replaced_bytes: number;
}

export function createAttributesPart(context: StoreContext): AttributesPart {
  const { run } = context;
  return {
    getAttribute: (key, name) =>
      run(async (sql) => {
        const [row] = await sql<{ value: string }[]>`
          SELECT value FROM attributes WHERE session_key = ${key} AND name = ${name}`;
        return row?.value ?? null;
      }),

    putAttributes: (key, entries, limits) =>
      run((sql) =>
        sql.begin(async (tx): Promise<PutAttributeResult> => {
          const writes = latestValues(entries);
          const names = writes.map((w) => w.name);
          const [[session], [usage]] = await Promise.all([
            tx`SELECT 1 FROM sessions WHERE key = ${key} FOR NO KEY UPDATE`,
            tx<Usage[]>`
              SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes,
                count(*) FILTER (WHERE name = ANY(${names}::text[])) AS replaced_count,
                coalesce(sum(bytes) FILTER (WHERE name = ANY(${names}::text[])), 0) AS replaced_bytes
              FROM attributes WHERE session_key = ${key}`,
          ]);
          if (!session) return "no-session";
          if (!withinLimits(usage as Usage, writes, limits)) return "limit";
          if (writes.length > 0) {
            await tx`
              INSERT INTO attributes (session_key, name, value, bytes)
              SELECT ${key}, w.name, w.value, w.bytes
              FROM unnest(${names}::text[], ${writes.map((w) => w.value)}::text[], ${writes.map((w) => w.bytes)}::int[])
                AS w (name, value, bytes)
              ON CONFLICT (session_key, name) DO UPDATE SET value = excluded.value, bytes = excluded.bytes`;
          }
          return "ok";
        }),
      ),

    deleteAttribute: (key, name) =>
      run(async (sql) => {
        const deleted = await sql`DELETE FROM attributes WHERE session_key = ${key} AND name = ${name}`;
        return deleted.count > 0;
      }),

    listAttributes: (key) =>
      run(async (sql) => {
        const rows = await sql<{ name: string; value: string }[]>`
          SELECT name, value FROM attributes WHERE session_key = ${key} ORDER BY name`;
        const result: Record<string, string> = {};
        for (const row of rows) result[row.name] = row.value;
        return result;
      }),
  };
}

interface AttributeWrite {
  name: string;
  value: string;
  /** UTF-8 bytes of name and value. */
  bytes: number;
}

/** One write per name, the later value winning, with its size. */
function latestValues(entries: readonly AttributeEntry[]): AttributeWrite[] {
  return [...new Map(entries)].map(([name, value]) => ({
    name,
    value,
    bytes: Buffer.byteLength(name, "utf8") + Buffer.byteLength(value, "utf8"),
  }));
}

/** Whether the session's attributes stay within the limits after the writes (replaced values count anew). */
function withinLimits(usage: Usage, writes: readonly AttributeWrite[], limits: AttributeLimits): boolean {
  const count = usage.count - usage.replaced_count + writes.length;
  const bytes = usage.bytes - usage.replaced_bytes + writes.reduce((sum, w) => sum + w.bytes, 0);
  return count <= limits.maxCount && bytes <= limits.maxTotalBytes;
}
