/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, made with the `openssl` command, for tests
 * of TLS listeners (HTTPS for pyVmomi, the Agent's TLS port). One per test process, in a temporary
 * folder removed at exit.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipReason } from "./skip.ts";

export interface TestCertificate {
  /** Path of the PEM certificate. */
  cert: string;
  /** Path of the PEM private key. */
  key: string;
  /** The certificate itself, for clients that must trust it. */
  pem: Buffer;
}

/** Why TLS tests cannot run here, or undefined when they can. */
export const TLS_SKIP_REASON: string | undefined = skipReason(
  spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0,
  "needs the openssl command (Debian package openssl) to make a test certificate",
);

let made: TestCertificate | undefined;

export function testCertificate(): TestCertificate {
  if (made) return made;
  if (TLS_SKIP_REASON) throw new Error(TLS_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), "sessiond-tls-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const result = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  made = { cert, key, pem: readFileSync(cert) };
  return made;
}
