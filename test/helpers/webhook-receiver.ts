/**
 * A webhook receiver on loopback for tests: records every delivery, answers as the test says (a
 * status, or never), and checks signatures as the Standard Webhooks specification describes them,
 * written here from the specification rather than from sessiond's signer.
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  /** What the receiver answered: a status, or "hung" when it never answered. */
  answer: number | "hung";
}

/** How to answer a delivery: a status, or "hang" to keep the request open without an answer. */
export type Answer = number | "hang";

export interface WebhookReceiver {
  url: string;
  /** Every delivery so far, in the order they arrived. */
  readonly deliveries: Delivery[];
  /** Sets how the next deliveries are answered. @default always 200 */
  answerWith(answer: (delivery: Omit<Delivery, "answer">) => Answer): void;
  /** Resolves with the first delivery (from now on or already received) that `matches`. */
  waitFor(matches: (delivery: Delivery) => boolean): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const waiters: { matches: (delivery: Delivery) => boolean; resolve: (delivery: Delivery) => void }[] = [];
  let answer: (delivery: Omit<Delivery, "answer">) => Answer = () => 200;
  const hung = new Set<ServerResponse>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const received = {
        id: String(request.headers["webhook-id"]),
        timestamp: String(request.headers["webhook-timestamp"]),
        signature: String(request.headers["webhook-signature"]),
        body,
        json: JSON.parse(body) as Delivery["json"],
      };
      const how = answer(received);
      const delivery: Delivery = { ...received, answer: how === "hang" ? "hung" : how };
      deliveries.push(delivery);
      if (how === "hang") hung.add(response);
      else response.writeHead(how).end();
      for (const waiter of [...waiters]) {
        if (waiter.matches(delivery)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(delivery);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/sessiond`,
    deliveries,
    answerWith(next) {
      answer = next;
    },
    waitFor(matches) {
      const found = deliveries.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ matches, resolve }));
    },
    async close() {
      for (const response of hung) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Verifies a delivery as a Standard Webhooks receiver does: the secret's bytes are the base64 after
 * `whsec_`; the signed content is `id.timestamp.body`; `webhook-signature` is a space-separated list
 * of `v1,<base64 HMAC-SHA256>`, any of which may match; the comparison takes constant time.
 */
export function verifyStandardWebhook(
  secret: string,
  delivery: Pick<Delivery, "id" | "timestamp" | "signature" | "body">,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${delivery.id}.${delivery.timestamp}.${delivery.body}`).digest();
  return delivery.signature.split(" ").some((versioned) => {
    const [version, signature] = versioned.split(",", 2);
    if (version !== "v1" || signature === undefined) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
