/**
 * `sessiond console-link`: prints a one-time URL that logs the operator in to the running server's
 * console without a password. It asks the server for a local ticket (offered only to callers on this
 * machine), reads it from the file only that OS user can read, and puts it in the link; the console
 * spends it when the operator presses "Log in". The ticket expires like any local ticket.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Command, configFlags, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { localServerUrl, readLocalTicket, ServerError } from "../server-client.ts";
import { actingUser, serverOptions } from "./sessions.ts";

function postJson(url: URL, body: unknown, ca: Buffer | undefined): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const options = { method: "POST", headers: { "content-type": "application/json" }, ...(ca ? { ca } : {}) };
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: reported below with the status.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on("error", (error) =>
      reject(
        new ServerError(0, "UNREACHABLE", `Cannot reach sessiond at ${url.origin} (${error.message}). Is it running?`),
      ),
    );
    req.end(payload);
  });
}

export const consoleLinkCommand: Command = {
  name: "console-link",
  usage: "console-link [--as NAME] [--url URL]",
  summary: "Print a one-time URL that logs you in to the running server's console.",
  options: serverOptions,
  async run(input) {
    const config = loadConfig(configFlags(input), input.env);
    const url = stringFlag(input, "url") ?? localServerUrl(config);
    const userName = actingUser(input);
    const ca = config.http.tls ? readFileSync(config.http.tls.cert) : undefined;
    const answer = await postJson(new URL("/api/v1/tickets/local", url), { userName }, ca);
    if (answer.status !== 201) {
      const error = (answer.body as { error?: { message?: string } } | undefined)?.error;
      throw new ServerError(
        answer.status,
        "INVALID_REQUEST",
        error?.message ?? `The server answered HTTP ${answer.status}.`,
      );
    }
    const { passwordFilePath } = answer.body as { passwordFilePath: string };
    const ticket = readLocalTicket(passwordFilePath);
    const link = new URL("/console/link", url);
    link.searchParams.set("user", userName);
    link.searchParams.set("ticket", ticket);
    process.stdout.write(`${link.toString()}\n`);
    return 0;
  },
};
