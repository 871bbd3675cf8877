/**
 * A small Agent client: connects over TCP or TLS, sends call packets and matches answers to them by
 * packet id. No public client of the protocol exists, so sessiond has its own; its tests and the
 * `sessiond agent call` command use it, and so can scripts.
 *
 * ```ts
 * const client = await connectAgent({ url: "tcp://127.0.0.1:4433" });
 * await client.call("system", "login", [base64Param("name", "root"), base64Param("password", "mypass")]);
 * const answer = await client.call("sessionm", "get", [textParam("key", "mykey")]);
 * await client.close();
 * ```
 *
 * @module
 */

import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { attributeOf, childElement, childElements, escapeXml, parseXml, textOf, type XmlElement } from "../xml.ts";
import { createPacketDecoder, framePacket } from "./framing.ts";

export interface AgentClientOptions {
  /** `tcp://host:port` or `tls://host:port`. */
  url: string;
  /** Certificates (PEM) to trust for `tls://`, instead of the system's. */
  ca?: string | Buffer | undefined;
  /** False accepts any server certificate: for tests and first contact only. @default true */
  rejectUnauthorized?: boolean | undefined;
  /** How long a call may wait for its answer, in ms. @default 30000 */
  timeoutMs?: number | undefined;
  /** Largest answer accepted, in bytes. @default 67108864 */
  maxPacketBytes?: number | undefined;
}

/** A call parameter: text, text sent as base64, or an element holding other parameters. */
export type AgentParam =
  | { name: string; text: string }
  | { name: string; base64: string }
  | { name: string; children: AgentParam[] };

export interface AgentCallOptions {
  /** The temporary session the call runs in (`<session>`). */
  session?: string | undefined;
  /** The packet id; one is made up when absent. */
  id?: string | undefined;
}

export interface AgentResponse {
  /** The packet's text, without its NUL. */
  xml: string;
  packet: XmlElement;
  id: string | undefined;
  /** `<origin>`: the interface that answered. */
  origin: string | undefined;
  /** `<data>`. */
  data: XmlElement | undefined;
  /** The interface element inside `<data>`: the answer itself. */
  body: XmlElement | undefined;
  /** The error the answer reports, if it is one. */
  error: { code: number; message: string } | undefined;
}

export interface AgentClient {
  /** Sends one call and resolves with its answer (errors included: see `error`). */
  call(iface: string, call: string, params?: AgentParam[], options?: AgentCallOptions): Promise<AgentResponse>;
  /** Sends a packet as given (its NUL is added) and resolves with the answer carrying `id`. */
  request(xml: string, id: string): Promise<AgentResponse>;
  /** Answers that matched no call, in arrival order (the server's notice before it closes an idle connection). */
  readonly unsolicited: AgentResponse[];
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  /** Closes the connection; calls still waiting fail. */
  close(): Promise<void>;
}

export function textParam(name: string, text: string): AgentParam {
  return { name, text };
}

export function base64Param(name: string, text: string): AgentParam {
  return { name, base64: text };
}

export function groupParam(name: string, children: AgentParam[]): AgentParam {
  return { name, children };
}

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** Names become element names: anything else could change the packet's structure. */
function checkName(name: string): string {
  if (!ELEMENT_NAME.test(name)) throw new Error(`Not an XML element name: ${JSON.stringify(name)}`);
  return name;
}

function writeParam(param: AgentParam): string {
  checkName(param.name);
  if ("children" in param) return `<${param.name}>${param.children.map(writeParam).join("")}</${param.name}>`;
  const text = "base64" in param ? Buffer.from(param.base64, "utf8").toString("base64") : escapeXml(param.text);
  return `<${param.name}>${text}</${param.name}>`;
}

/**
 * A request packet for one call, in the seed's shape: `target` names the interface for all but
 * `system` calls, which the seed sends without one. Throws when a name is not an XML element name.
 */
export function buildCallPacket(iface: string, call: string, params: AgentParam[], options: AgentCallOptions = {}) {
  checkName(iface);
  checkName(call);
  const id = options.id === undefined ? "" : ` id="${escapeXml(options.id)}"`;
  const target = iface === "system" ? "" : `<target>${iface}</target>`;
  const session = options.session === undefined ? "" : `<session>${escapeXml(options.session)}</session>`;
  return `<packet version="4.0.0"${id}>${target}${session}<data><${iface}><${call}>${params.map(writeParam).join("")}</${call}></${iface}></data></packet>`;
}

/** Reads an answer packet (plain or namespace-qualified). Throws `MALFORMED_REQUEST` when it is not one. */
export function parseResponse(xml: string): AgentResponse {
  const packet = parseXml(xml, { label: "The answer is not well-formed XML" });
  const origin = childElement(packet, "origin");
  const data = childElement(packet, "data");
  const body = data ? childElements(data)[0] : undefined;
  const error = body ? childElement(body, "error") : undefined;
  let parsedError: AgentResponse["error"];
  if (error) {
    const code = childElement(error, "code");
    const message = childElement(error, "message");
    parsedError = {
      code: Number((code && textOf(code)) ?? Number.NaN),
      message: (message && textOf(message)) ?? "",
    };
  }
  return {
    xml,
    packet,
    id: attributeOf(packet, "id"),
    origin: (origin && textOf(origin)?.trim()) ?? undefined,
    data,
    body,
    error: parsedError,
  };
}

/** Host and port of a `tcp://` or `tls://` URL, and whether it is TLS. */
export function parseAgentUrl(url: string): { secure: boolean; host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Not an Agent URL: ${url} (expected tcp://host:port or tls://host:port)`);
  }
  if ((parsed.protocol !== "tcp:" && parsed.protocol !== "tls:") || parsed.hostname === "" || parsed.port === "") {
    throw new Error(`Not an Agent URL: ${url} (expected tcp://host:port or tls://host:port)`);
  }
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { secure: parsed.protocol === "tls:", host, port: Number(parsed.port) };
}

interface Pending {
  id: string;
  resolve(response: AgentResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Connects to an Agent front door; resolves once connected (and, over TLS, the handshake is done). */
export async function connectAgent(options: AgentClientOptions): Promise<AgentClient> {
  const { secure, host, port } = parseAgentUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const socket: Socket = await new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const socket = secure
      ? connectTls(
          {
            host,
            port,
            servername: /^[\d.]+$|:/.test(host) ? undefined : host,
            ...(options.ca === undefined ? {} : { ca: options.ca }),
            rejectUnauthorized: options.rejectUnauthorized ?? true,
          },
          () => {
            socket.off("error", onError);
            resolve(socket);
          },
        )
      : connectTcp({ host, port }, () => {
          socket.off("error", onError);
          resolve(socket);
        });
    socket.once("error", onError);
  });
  socket.setNoDelay(true);

  const decoder = createPacketDecoder({ maxPacketBytes: options.maxPacketBytes ?? 64 * 1024 * 1024 });
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  // In the order sent: the server answers a connection's packets in order, so an answer it could
  // not give an id to (it could not read the request) answers the oldest call still waiting.
  const pending: Pending[] = [];
  const unsolicited: AgentResponse[] = [];
  let counter = 0;
  let failure: Error | undefined;

  const failAll = (error: Error) => {
    failure ??= error;
    for (const call of pending.splice(0)) {
      clearTimeout(call.timer);
      call.reject(error);
    }
  };

  socket.on("data", (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) {
      if (item.kind === "too-large") {
        failAll(new Error("The server sent an answer larger than maxPacketBytes."));
        socket.destroy();
        return;
      }
      let response: AgentResponse;
      try {
        response = parseResponse(utf8.decode(item.bytes));
      } catch (error) {
        failAll(new Error(`The server sent an unreadable answer: ${(error as Error).message}`));
        socket.destroy();
        return;
      }
      let index = pending.findIndex((call) => call.id === response.id);
      if (index < 0 && response.error && pending.length > 0) index = 0;
      const call = index < 0 ? undefined : pending.splice(index, 1)[0];
      if (call) {
        clearTimeout(call.timer);
        call.resolve(response);
      } else unsolicited.push(response);
    }
  });
  socket.on("error", (error: Error) => failAll(error));
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => {
      failAll(new Error("The connection closed before the answer came."));
      resolve();
    });
  });

  const request = (xml: string, id: string): Promise<AgentResponse> =>
    new Promise((resolve, reject) => {
      if (failure || socket.destroyed) {
        reject(failure ?? new Error("The connection is closed."));
        return;
      }
      const timer = setTimeout(() => {
        const index = pending.findIndex((call) => call.timer === timer);
        if (index >= 0) pending.splice(index, 1);
        reject(new Error(`No answer within ${timeoutMs} ms.`));
      }, timeoutMs);
      pending.push({ id, resolve, reject, timer });
      socket.write(framePacket(xml));
    });

  return {
    unsolicited,
    closed,
    request,
    call(iface, call, params = [], callOptions = {}) {
      counter += 1;
      const id = callOptions.id ?? `c${counter}`;
      return request(buildCallPacket(iface, call, params, { ...callOptions, id }), id);
    },
    async close() {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
