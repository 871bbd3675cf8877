/**
 * Engine errors as vSphere faults: every code mapped to a type pyVmomi knows, the fields each type
 * carries, and the vSphere column of docs/errors.md in step with `FAULT_TYPES`.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_CODE_NAMES, SessionError } from "../../../src/core/errors.ts";
import { FAULT_TYPES, faultOf, VimFault } from "../../../src/protocols/vsphere/errors.ts";
import { moRef } from "../../../src/protocols/vsphere/values.ts";
import { errorsDocColumn } from "../../helpers/errors-doc.ts";
import { DEBIAN_PYTHON, PYVMOMI_SKIP_REASON, runClient } from "../../helpers/real-clients.ts";

const SM = moRef("SessionManager", "SessionManager");

describe("vsphere faults", () => {
  it("map every engine code", () => {
    assert.deepEqual(Object.keys(FAULT_TYPES).sort(), [...ERROR_CODE_NAMES].sort());
    for (const code of ERROR_CODE_NAMES) {
      const fault = faultOf(new SessionError(code), SM);
      assert.equal(fault?.type, FAULT_TYPES[code]);
      assert.ok(fault && fault.message.length > 0);
    }
  });

  it("carry the fields of their type", () => {
    const noPermission = faultOf(
      new SessionError("NO_PERMISSION", "x", { details: { privilegeId: "Sessions.TerminateSession" } }),
      SM,
    );
    assert.deepEqual(noPermission?.fields, [
      ["object", SM],
      ["privilegeId", "Sessions.TerminateSession"],
    ]);
    assert.deepEqual(faultOf(new SessionError("NOT_AUTHENTICATED"), SM)?.fields, [
      ["object", SM],
      ["privilegeId", "System.View"],
    ]);
    const argument = faultOf(new SessionError("INVALID_ARGUMENT", "x", { details: { field: "sessions" } }), SM, (f) =>
      f === "sessions" ? "sessionId" : undefined,
    );
    assert.deepEqual(argument?.fields, [["invalidProperty", "sessionId"]]);
    assert.deepEqual(
      faultOf(new SessionError("INVALID_ARGUMENT", "x", { details: { field: "other" } }), SM)?.fields,
      [],
    );
    assert.equal(faultOf(new SessionError("MALFORMED_REQUEST"), SM)?.client, true);
    assert.equal(faultOf(new VimFault("RequestCanceled", "x"), SM)?.type, "RequestCanceled");
    assert.equal(faultOf(new Error("boom"), SM), undefined, "not a fault: the caller logs it and answers SystemError");
  });

  it("are types pyVmomi knows", { skip: PYVMOMI_SKIP_REASON }, async () => {
    const types = [
      ...new Set([
        ...Object.values(FAULT_TYPES),
        "ManagedObjectNotFound",
        "InvalidProperty",
        "InvalidCollectorVersion",
        "RequestCanceled",
      ]),
    ];
    const script = `import sys\nfrom pyVmomi import VmomiSupport\nfor name in sys.argv[1:]:\n    VmomiSupport.GetWsdlType("urn:vim25", name)\nprint("ok")`;
    const run = await runClient(DEBIAN_PYTHON, ["-c", script, ...types]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ok$/m);
  });
});

describe("docs/errors.md, vSphere column", () => {
  it("starts each code's cell with the fault type FAULT_TYPES maps it to", () => {
    const column = errorsDocColumn("vSphere");
    for (const code of ERROR_CODE_NAMES) {
      const cell = column.get(code) ?? "";
      assert.equal(/^`(\w+)`/.exec(cell)?.[1], FAULT_TYPES[code], `${code}: ${cell}`);
    }
  });
});
