/**
 * `sessiond agent call`: sends one Parallels Agent call to a server's Agent front door with the
 * project's own client and prints the answer's `<data>` element, for operators and scripts:
 *
 * ```sh
 * sessiond agent call system get_realm
 * printf 'mypass\nmypass\n' | sessiond agent call sessionm login name:base64=root password:base64=- expiration=1200 --login root
 * sessiond agent call sessionm put --login root data.key=k data.value=v data.key=k2 data.value=v2 < password.txt
 * ```
 *
 * `--login NAME` logs the connection in (`system/login`) first, with the password read from the
 * terminal or standard input, never from the command line; so is every `NAME:base64=-` value.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import {
  type AgentClient,
  type AgentParam,
  type AgentResponse,
  base64Param,
  connectAgent,
} from "../../protocols/agent/client.ts";
import { serializeElement } from "../../protocols/agent/codec.ts";
import { parseAgentSettings } from "../../protocols/agent/settings.ts";
import { type Command, type CommandInput, configFlags, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { readPasswords } from "../password-input.ts";

const NAME = "[A-Za-z_][A-Za-z0-9_-]*";
const ELEMENT_NAME = new RegExp(`^${NAME}$`);
const ARGUMENT = new RegExp(`^(${NAME})(?:\\.(${NAME}))?(:base64)?=(.*)$`, "s");

/** A parameter value to be read from the terminal or standard input, not the command line. */
export const FROM_INPUT = "-";

/**
 * The parameters `NAME=VALUE`, `NAME:base64=VALUE` and `PARENT.CHILD=VALUE` arguments give. A
 * `PARENT.CHILD` goes into the last `PARENT` unless that one has a `CHILD` already: then it starts
 * the next `PARENT` (`data.key=a data.value=1 data.key=b` is two `<data>`). `NAME:base64=-` takes its
 * value from the terminal or standard input, for passwords: `secret(name)` gives it when asked.
 */
export function parseCallArguments(args: readonly string[], secret: (name: string) => string = (n) => n): AgentParam[] {
  const params: AgentParam[] = [];
  for (const arg of args) {
    const match = ARGUMENT.exec(arg);
    if (!match) {
      throw new Error(`"${arg.split("=")[0]}" is not NAME=VALUE, NAME:base64=VALUE or PARENT.CHILD=VALUE.`);
    }
    const [, first = "", child, base64, value = ""] = match;
    const leaf = (name: string): AgentParam =>
      base64 ? base64Param(name, value === FROM_INPUT ? secret(name) : value) : { name, text: value };
    if (child === undefined) {
      params.push(leaf(first));
      continue;
    }
    const last = params[params.length - 1];
    if (last && last.name === first && "children" in last && !last.children.some((c) => c.name === child)) {
      last.children.push(leaf(child));
    } else {
      params.push({ name: first, children: [leaf(child)] });
    }
  }
  return params;
}

function describeError(response: AgentResponse): string {
  return `code ${response.error?.code}: ${response.error?.message}`;
}

/** The Agent URL the configuration names, for calls without `--url`. */
function defaultUrl(input: CommandInput): string {
  const config = loadConfig(configFlags(input), input.env);
  const settings = parseAgentSettings(config.frontDoors.agent ?? {}, config.http);
  if (!settings) throw new Error("No Agent settings.");
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  if (settings.port !== null && settings.port !== 0) return `tcp://${host}:${settings.port}`;
  if (settings.port === null && settings.tlsPort !== null && settings.tlsPort !== 0) {
    return `tls://${host}:${settings.tlsPort}`;
  }
  throw new Error("The configured Agent port is 0 (any free port): give the server's --url.");
}

export const agentCommands: Command[] = [
  {
    name: "agent call",
    usage:
      "agent call INTERFACE CALL [NAME=VALUE | NAME:base64=VALUE | PARENT.CHILD=VALUE]... [--url tcp://host:port|tls://host:port] [--login NAME] [--realm GUID] [--session ID] [--ca FILE] [--insecure]",
    summary:
      "Send one Parallels Agent call and print the answer's <data> element.\n" +
      "NAME:base64=VALUE sends VALUE base64-encoded (names); NAME:base64=- reads it from the terminal or\n" +
      "standard input instead (passwords, after the one of --login). PARENT.CHILD=VALUE nests\n" +
      "(sessionm put: data.key=K data.value=V, repeated for more pairs). Exits 1 with `code N: message`\n" +
      "when the answer is an error.",
    positionals: [2, Number.POSITIVE_INFINITY],
    options: {
      url: {
        type: "string",
        placeholder: "URL",
        description: "tcp://host:port or tls://host:port (default: agent.host and agent.port of the configuration)",
      },
      login: {
        type: "string",
        placeholder: "NAME",
        description: "system/login as NAME first; the password is read from the terminal or standard input",
      },
      realm: { type: "string", placeholder: "GUID", description: "Realm of --login (default: the default realm)" },
      session: {
        type: "string",
        placeholder: "ID",
        description: "Run the call in this temporary session (<session>; other local users can see it in ps)",
      },
      ca: { type: "string", placeholder: "FILE", description: "Trust this PEM certificate for tls:// URLs" },
      insecure: { type: "boolean", description: "Accept any TLS certificate (testing only)" },
    },
    async run(input) {
      const [iface = "", call = "", ...rest] = input.positionals;
      for (const name of [iface, call]) {
        if (!ELEMENT_NAME.test(name)) throw new Error(`"${name}" is not an interface or call name.`);
      }
      const loginName = stringFlag(input, "login");
      // Every password comes from the terminal or standard input, never the command line: first the
      // one of --login, then one per NAME:base64=- argument, in order.
      const asked = rest.filter((arg) => arg.endsWith(`:base64=${FROM_INPUT}`)).map((arg) => `${arg.split(":")[0]}: `);
      const prompts = [...(loginName === undefined ? [] : [`Password for ${loginName}: `]), ...asked];
      const answers = await readPasswords(prompts);
      const password = loginName === undefined ? undefined : answers.shift();
      const params = parseCallArguments(rest, () => answers.shift() ?? "");
      const url = stringFlag(input, "url") ?? defaultUrl(input);
      const ca = stringFlag(input, "ca");
      let client: AgentClient;
      try {
        client = await connectAgent({
          url,
          ...(ca === undefined ? {} : { ca: readFileSync(ca) }),
          ...(input.values.insecure ? { rejectUnauthorized: false } : {}),
        });
      } catch (error) {
        throw new Error(`Cannot connect to ${url}: ${(error as Error).message}`);
      }
      try {
        if (loginName !== undefined && password !== undefined) {
          const realm = stringFlag(input, "realm");
          const login = await client.call("system", "login", [
            base64Param("name", loginName),
            base64Param("password", password),
            ...(realm === undefined ? [] : [{ name: "realm", text: realm }]),
          ]);
          if (login.error) {
            process.stderr.write(`sessiond agent call: system/login: ${describeError(login)}\n`);
            return 1;
          }
        }
        const response = await client.call(iface, call, params, { session: stringFlag(input, "session") });
        if (response.error) {
          process.stderr.write(`sessiond agent call: ${describeError(response)}\n`);
          return 1;
        }
        process.stdout.write(`${response.data ? serializeElement(response.data) : ""}\n`);
        return 0;
      } finally {
        await client.close();
      }
    },
  },
];
