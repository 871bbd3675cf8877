/**
 * `sessiond audit`: one page of the audit log, oldest first, filtered by realm, user, kind and
 * session. Through the running server's API when one runs on this configuration, otherwise read
 * from the store (see `admin-access.ts`). Either way it needs `Audit.Read`, which the local
 * administrator holds.
 *
 * @module
 */

import { listAudit } from "../../core/ops/index.ts";
import { AUDIT_KINDS } from "../../core/types.ts";
import { adminOptions, withAdminAccess } from "../admin-access.ts";
import { type Command, stringFlag, wholeNumberFlag } from "../command.ts";
import { isoTime, printJson, printTable } from "../output.ts";

export const auditCommand: Command = {
  name: "audit",
  usage: "audit [--realm R] [--user NAME] [--kind KIND] [--session KEY] [--after ID] [--limit N] [--json]",
  summary: "Show the audit log: logins, failures, endings, terminations, directory and message changes.",
  options: {
    realm: { type: "string", placeholder: "NAME", description: "Only entries about this realm" },
    user: {
      type: "string",
      placeholder: "NAME",
      description: "Only entries about this user (in every realm, unless --realm names one)",
    },
    kind: { type: "string", placeholder: "KIND", description: `Only this kind: ${AUDIT_KINDS.join(", ")}` },
    session: { type: "string", placeholder: "KEY", description: "Only this session's trail (its key)" },
    after: { type: "string", placeholder: "ID", description: "Entries after this id: the previous page's next" },
    limit: { type: "string", placeholder: "N", description: "At most this many entries, 1 to 1000 (default 100)" },
    json: { type: "boolean", description: "Print JSON: the entries and the id to pass as --after for more" },
    ...adminOptions,
  },
  async run(input) {
    const filter = {
      realm: stringFlag(input, "realm"),
      userName: stringFlag(input, "user"),
      kind: stringFlag(input, "kind"),
      sessionKey: stringFlag(input, "session"),
      after: wholeNumberFlag(input, "after"),
      limit: wholeNumberFlag(input, "limit"),
    };
    const query = new URLSearchParams(
      Object.entries(filter).flatMap(([name, value]): [string, string][] =>
        value === undefined ? [] : [[name, String(value)]],
      ),
    );
    const page = await withAdminAccess(input, (access) =>
      access.run(listAudit, filter, { method: "GET", path: `/audit?${query}` }),
    );
    if (input.values.json) {
      printJson(page);
      return 0;
    }
    printTable(
      page.entries.map((entry) => ({
        ...entry,
        at: isoTime(entry.at),
        user: entry.userName === null ? null : `${entry.userName}${entry.realm === null ? "" : `@${entry.realm}`}`,
        ip: entry.ipAddress,
      })),
      ["id", "at", "kind", "user", "actor", "protocol", "ip", "detail"],
    );
    if (page.nextAfter !== null) process.stderr.write(`sessiond: more entries follow: --after ${page.nextAfter}\n`);
    return 0;
  },
};
