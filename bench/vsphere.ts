/**
 * Scenario `vsphere`: requests per second of the vSphere front door's most frequent call, a
 * `RetrievePropertiesEx` of `SessionManager.currentSession` as pyVmomi sends it (SOAP envelope,
 * SOAPAction, the secret in the `vmware_soap_session` cookie), against a store holding many live
 * sessions.
 *
 * Why: pyVmomi reads every property this way, so it is the floor of the SOAP path's per-request cost:
 * the who-am-i work (digest, lookup, user, activity) plus a namespace-aware XML parse, the property
 * collector's dispatch and a SOAP answer. It is compared with the same raw `node:http` baseline as
 * `whoami` (same generator, connections and duration; the baseline drains the body and answers
 * `{"ok":true}`), and for context with the raw server answering sessiond's own SOAP answer.
 *
 * There is no target: the figure tells what the SOAP path costs against the ceiling, beside whoami's.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Measured, warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { compareThroughput, fmt, line } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";

/** pyVmomi's exact request for `si.content.sessionManager.currentSession` (protocols.md 1.10 d). */
const CURRENT_SESSION =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
  '<soapenv:Body><RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>SessionManager</type><all>false</all><pathSet>currentSession</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options></RetrievePropertiesEx></soapenv:Body>\n' +
  "</soapenv:Envelope>";

export interface VsphereResult {
  sessions: number;
  connections: number;
  durationS: number;
  responseBytes: number;
  baseline: Measured;
  sessiond: Measured;
  ratio: number;
  baselineSameBody: Measured;
  ratioToSameBody: number;
  rounds: { sessiond: number[]; baseline: number[]; baselineSameBody: number[] };
}

/** One answer to the measured request, checked to be a real `UserSession` (not a fault or an empty read). */
async function soapAnswer(server: SessiondServer): Promise<string> {
  const secret = server.secrets[0];
  const response = await fetch(`${server.url}/sdk`, {
    method: "POST",
    headers: { "content-type": "text/xml; charset=UTF-8", cookie: `vmware_soap_session="${secret}"` },
    body: CURRENT_SESSION,
  });
  const body = await response.text();
  if (response.status !== 200 || !body.includes('<val xsi:type="UserSession">')) {
    throw new Error(`vsphere check failed: ${response.status} ${body.slice(0, 300)}`);
  }
  return body;
}

export async function runVsphere(options: BenchOptions): Promise<VsphereResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond = await startSessiond(options, "vsphere");
    servers.push(sessiond);
    line("vsphere", `sessiond ready: ${fmt(options.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms`);
    const answer = await soapAnswer(sessiond);
    const answerFile = join(options.workDir, "vsphere-answer.xml");
    writeFileSync(answerFile, answer);
    const raw: RawServer = await startRaw();
    servers.push(raw);
    const rawSameBody: RawServer = await startRaw(answerFile);
    servers.push(rawSameBody);

    const measure = (url: string) =>
      warmAndMeasure(
        options,
        {
          mode: "soap",
          body: CURRENT_SESSION,
          connections: options.connections,
          threads: options.threads,
          url: url === sessiond.url ? `${url}/sdk` : url,
          listFile: sessiond.secretsFile,
        },
        url === sessiond.url ? sessiond : undefined,
      );
    const compared = await compareThroughput(
      options.rounds,
      {
        sessiond: () => measure(sessiond.url),
        baseline: () => measure(raw.url),
        baselineSameBody: () => measure(rawSameBody.url),
      },
      (r) => r.requestsPerSecond,
    );
    const { sessiond: measured, baseline, baselineSameBody, ratio, ratioToSameBody } = compared;
    line(
      "vsphere",
      `sessiond ${fmt(measured.requestsPerSecond)} req/s (p99 ${measured.latencyMs.p99} ms) | ` +
        `baseline ${fmt(baseline.requestsPerSecond)} req/s | ratio ${ratio.toFixed(2)} (no target)`,
    );
    line(
      "vsphere",
      `context: raw node:http sending the same ${fmt(Buffer.byteLength(answer))}-byte SOAP answer ` +
        `${fmt(baselineSameBody.requestsPerSecond)} req/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line("vsphere", `WARNING: ${errors} failed requests during the sessiond runs`);
    return {
      sessions: options.sessions,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: Buffer.byteLength(answer),
      baseline,
      sessiond: measured,
      ratio,
      baselineSameBody,
      ratioToSameBody,
      rounds: compared.rounds,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
