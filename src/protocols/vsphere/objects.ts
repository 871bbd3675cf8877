/**
 * The managed objects this front door serves and the static data about them: the service instance,
 * its `ServiceContent` and `AboutInfo`, and the version list pyVmomi probes for.
 *
 * Only what pyVmomi 6.7.1 knows goes into a data object (it refuses unknown elements): the
 * `ServiceContent` here has the WSDL's required fields and the session manager, in WSDL order.
 *
 * @module
 */

import { type DataObject, dataObject, type MoRef, moRef } from "./values.ts";

export const SERVICE_INSTANCE = moRef("ServiceInstance", "ServiceInstance");
export const SESSION_MANAGER = moRef("SessionManager", "SessionManager");
export const PROPERTY_COLLECTOR = moRef("PropertyCollector", "propertyCollector");
/** Required by the WSDL in `ServiceContent`; sessiond has no inventory, so nothing lives in it. */
export const ROOT_FOLDER = moRef("Folder", "group-d1");

/** The API version sessiond answers as. */
export const API_VERSION = "8.0.3.0";
/** Versions older clients negotiate down to; pyVmomi 6.7.1 needs `6.7.1` in the list. */
const PRIOR_VERSIONS = [
  "8.0.2.0",
  "8.0.1.0",
  "8.0.0.0",
  "7.0",
  "6.7.1",
  "6.7",
  "6.5",
  "6.0",
  "5.5",
  "5.1",
  "5.0",
  "4.1",
];

/** `GET /sdk/vimServiceVersions.xml`, the probe of pyVmomi's `SmartConnect` and govmomi (1.10 a). */
export const VIM_SERVICE_VERSIONS = `<?xml version="1.0" encoding="UTF-8"?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>${API_VERSION}</version>
  <priorVersions>
   ${PRIOR_VERSIONS.map((v) => `<version>${v}</version>`).join("")}
  </priorVersions>
 </namespace>
</namespaces>
`;

export function aboutInfo(productVersion: string): DataObject {
  return dataObject("AboutInfo", [
    ["name", "sessiond"],
    ["fullName", `sessiond ${productVersion} (vSphere SessionManager)`],
    ["vendor", "sessiond"],
    ["version", API_VERSION.split(".").slice(0, 3).join(".")],
    ["build", "0"],
    ["osType", "linux-x64"],
    ["productLineId", "sessiond"],
    ["apiType", "VirtualCenter"],
    ["apiVersion", API_VERSION],
  ]);
}

export function serviceContent(productVersion: string): DataObject {
  return dataObject("ServiceContent", [
    ["rootFolder", ROOT_FOLDER],
    ["propertyCollector", PROPERTY_COLLECTOR],
    ["about", aboutInfo(productVersion)],
    ["sessionManager", SESSION_MANAGER],
  ]);
}

/** Whether a reference names one of the objects served here (property filters are checked by the collector). */
export function isKnownObject(ref: MoRef): boolean {
  return [SERVICE_INSTANCE, SESSION_MANAGER, PROPERTY_COLLECTOR, ROOT_FOLDER].some(
    (known) => known.type === ref.type && known.value === ref.value,
  );
}
