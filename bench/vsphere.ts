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
 * Measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.5 × the `{"ok":true}` baseline.
 */

import { checkedBody, type HttpScenario, runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";

export const VSPHERE_TARGET = 0.5;

/** pyVmomi's exact request for `si.content.sessionManager.currentSession` (protocols.md 1.10 d). */
const CURRENT_SESSION =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
  '<soapenv:Body><RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>SessionManager</type><all>false</all><pathSet>currentSession</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options></RetrievePropertiesEx></soapenv:Body>\n' +
  "</soapenv:Envelope>";

const vsphere: HttpScenario = {
  name: "vsphere",
  target: VSPHERE_TARGET,
  unit: "req/s",
  wrk: (baseUrl) => ({ mode: "soap", body: CURRENT_SESSION, url: `${baseUrl}/sdk` }),
  /** One answer to the measured request, checked to be a real `UserSession` (not a fault or an empty read). */
  answer: async (server) =>
    checkedBody(
      "vsphere",
      await fetch(`${server.url}/sdk`, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=UTF-8", cookie: `vmware_soap_session="${server.secrets[0]}"` },
        body: CURRENT_SESSION,
      }),
      '<val xsi:type="UserSession">',
    ),
  answerWords: "SOAP answer",
};

export const runVsphere = (options: BenchOptions) => runHttpScenario(options, vsphere);
