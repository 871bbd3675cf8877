/**
 * The vSphere front door: the `SessionManager` of vim25 over SOAP at `/sdk`, and the same methods and
 * properties over the vSphere JSON API at `/sdk/vim25/{release}/...` (`json-api.ts`), so that pyVmomi,
 * rbvmomi and govmomi work against sessiond unchanged. A Fastify scope on the HTTP listener (HTTPS
 * when the listener has a certificate; pyVmomi needs HTTPS for `localhost`).
 *
 * The session secret travels in the `vmware_soap_session` cookie (or govmomi's `vcSessionCookie` SOAP
 * header). It is a random 40-hex-character secret of its own, never the session's public `key`, which
 * `sessionList` shows to operators. `Set-Cookie` goes only on answers that log a session in, and
 * without `Secure` on plain HTTP, or govmomi would never send it back. Every request is one
 * authenticated call: `lastActiveTime` and `callCount` move once.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { argsFromXml } from "./call.ts";
import { faultOf, INTERNAL_FAULT, type WireFault } from "./errors.ts";
import { requestFacts, SESSION_COOKIE, sessionCookie, transportFault, vsphereContext, XML_TYPE } from "./http.ts";
import { vsphereJsonApi } from "./json-api.ts";
import { createInvoker, serviceTicketScopes } from "./methods.ts";
import { VIM_SERVICE_VERSIONS } from "./objects.ts";
import type { VsphereSettings } from "./settings.ts";
import { cookieValue, decodeSoapRequest, encodeSoapFault, encodeSoapResponse } from "./soap.ts";
import { createCollectors } from "./updates.ts";
import { dataObject, type VimValue, xmlField, xmlFields } from "./values.ts";

export interface VspherePluginOptions {
  engine: Engine;
  settings: VsphereSettings;
  /** sessiond's own version, shown in `AboutInfo.fullName`. */
  productVersion: string;
}

function sendSoapFault(reply: FastifyReply, fault: WireFault): FastifyReply {
  const fields = xmlFields(dataObject(fault.type, fault.fields));
  const body = encodeSoapFault(fault.type, fault.message, fields, fault.client ? "ClientFaultCode" : "ServerFaultCode");
  return reply.code(500).type(XML_TYPE).send(body);
}

export async function vspherePlugin(app: FastifyInstance, options: VspherePluginOptions): Promise<void> {
  const { engine, settings } = options;
  const collectors = createCollectors(engine, settings);
  const invoker = createInvoker({ engine, settings, collectors, productVersion: options.productVersion });
  // Waiting calls hold their requests open: end them so that the server can stop.
  app.addHook("preClose", async () => collectors.close());

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: settings.maxRequestBytes }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, request, reply) =>
    sendSoapFault(reply, transportFault(error, request, settings.maxRequestBytes)),
  );
  app.setNotFoundHandler((_request, reply) => reply.code(404).send());

  app.get("/vimServiceVersions.xml", async (_request, reply) => reply.type(XML_TYPE).send(VIM_SERVICE_VERSIONS));

  app.post("", async (request, reply) => {
    let soap: ReturnType<typeof decodeSoapRequest>;
    try {
      soap = decodeSoapRequest(typeof request.body === "string" ? request.body : "");
    } catch (error) {
      return sendSoapFault(reply, faultOf(error, undefined) ?? INTERNAL_FAULT);
    }
    const { target, method, params } = soap;
    if (!target) {
      const missing = new SessionError(
        "MALFORMED_REQUEST",
        "The method element must start with _this, the object it is called on.",
      );
      return sendSoapFault(reply, faultOf(missing, undefined) ?? INTERNAL_FAULT);
    }
    const secret = cookieValue(request.headers.cookie, SESSION_COOKIE) ?? soap.headerCookie;
    let issued: string | undefined;
    const outcome = await invoker.call({
      ...requestFacts(request, reply),
      context: vsphereContext(
        request,
        secret,
        serviceTicketScopes("POST", "/sdk", { type: target.type, name: method }),
      ),
      target,
      name: method,
      readArgs: (spec) => argsFromXml(spec, params),
      issueSession: (newSecret) => {
        issued = newSecret;
      },
    });
    if (!outcome.ok) return sendSoapFault(reply, outcome.fault);
    let content = "";
    if (outcome.value !== undefined) {
      content = outcome.spec?.returnsList
        ? (outcome.value as readonly VimValue[]).map((item) => xmlField("returnval", item)).join("")
        : xmlField("returnval", outcome.value);
    }
    // pyVmomi keeps only the last Set-Cookie it saw: send one, and only when a session was logged in.
    if (issued !== undefined) reply.header("set-cookie", sessionCookie(issued, request.protocol === "https"));
    return reply.code(200).type(XML_TYPE).send(encodeSoapResponse(method, content));
  });

  // vcsim answers any other method on /sdk with 405 and no body.
  app.route({
    method: ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"],
    url: "",
    handler: async (_request, reply) => reply.code(405).header("allow", "POST").send(),
  });

  // biome-ignore lint/nursery/noMisusedPromises: Fastify awaits async plugins; the rule misreads register's overloads.
  await app.register(vsphereJsonApi, { prefix: "/vim25", invoker, settings });
}
