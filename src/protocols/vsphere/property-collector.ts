/**
 * The `PropertyCollector` subset that reading and watching the session manager needs (protocols.md
 * 1.7): `RetrieveProperties` (rbvmomi, govmomi) and `RetrievePropertiesEx` (pyVmomi reads every
 * property, `si.content` included, this way), and `CreateFilter` with `WaitForUpdatesEx`,
 * `WaitForUpdates` and `CheckForUpdates`, so that a waiting client learns of a new service message at
 * once. Objects are only those named in `objectSet`: sessiond has no inventory to traverse, so
 * `selectSet` finds nothing more.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { type Args, boolean, type MethodSpec, type ObjectSource, object, objects, text, type VimCall } from "./call.ts";
import { faultOf, invalidProperty, managedObjectNotFound, type WireFault } from "./errors.ts";
import { isKnownObject } from "./objects.ts";
import { PROPERTIES, propertyNames } from "./properties.ts";
import { anyValue, type DataObject, dataObject, type MoRef, type VimValue } from "./values.ts";
import type { FilterSpec, ObjectSpec, PropertySpec } from "./vim-call.ts";

export type { FilterSpec, ObjectSpec, PropertySpec } from "./vim-call.ts";

/** What was read of one object: set values, and the faults of properties that could not be read. */
export interface ObjectContent {
  obj: MoRef;
  values: { name: string; value: VimValue }[];
  unset: string[];
  missing: { path: string; fault: WireFault }[];
}

/**
 * Most entries of one list in a filter spec. Far more than any client sends (the objects served here
 * are four, their properties seven), so that a spec's size, not a client's whim, bounds its cost.
 */
const MAX_SPEC_ENTRIES = 64;

function limited<T>(items: T[], path: string): T[] {
  if (items.length > MAX_SPEC_ENTRIES) {
    throw new SessionError("INVALID_ARGUMENT", `${path} may hold at most ${MAX_SPEC_ENTRIES} entries.`, {
      details: { wireField: path.split(".").pop() ?? path },
    });
  }
  return items;
}

function readPropertySpec(source: ObjectSource): PropertySpec {
  source.only(["type", "all", "pathSet"]);
  const type = source.text("type");
  if (!type) throw new SessionError("INVALID_ARGUMENT", `${source.path}.type is required.`);
  const pathSet = limited(source.texts("pathSet"), `${source.path}.pathSet`);
  return { type, all: source.boolean("all") ?? false, pathSet };
}

function readObjectSpec(source: ObjectSource): ObjectSpec {
  source.only(["obj", "skip", "selectSet"]);
  const obj = source.moRef("obj");
  if (!obj) throw new SessionError("INVALID_ARGUMENT", `${source.path}.obj is required.`);
  return { obj, skip: source.boolean("skip") ?? false };
}

export function readFilterSpec(source: ObjectSource): FilterSpec {
  source.only(["propSet", "objectSet", "reportMissingObjectsInResults"]);
  const propSet = limited(source.objects("propSet"), `${source.path}.propSet`).map(readPropertySpec);
  const objectSet = limited(source.objects("objectSet"), `${source.path}.objectSet`).map(readObjectSpec);
  if (objectSet.length === 0) throw new SessionError("INVALID_ARGUMENT", `${source.path}.objectSet is required.`);
  return { propSet, objectSet };
}

/** The properties a filter asks of an object, or undefined when it asks none; unknown names are `InvalidProperty`. */
export function wantedProperties(spec: FilterSpec, obj: MoRef): string[] | undefined {
  const specs = spec.propSet.filter((p) => p.type === obj.type);
  if (specs.length === 0) return undefined;
  const known = propertyNames(obj.type);
  const names = new Set<string>();
  for (const p of specs) {
    for (const name of p.all ? known : p.pathSet) {
      if (!known.includes(name)) throw invalidProperty(name);
      names.add(name);
    }
  }
  return [...names];
}

/**
 * The objects filters name, each once with the union of the properties asked of it, checked: an
 * unknown object is `ManagedObjectNotFound`, an unknown property `InvalidProperty`.
 */
export function filterObjects(...specs: FilterSpec[]): { obj: MoRef; names: string[] }[] {
  const found = new Map<string, { obj: MoRef; names: Set<string> }>();
  for (const spec of specs) {
    for (const objectSpec of spec.objectSet) {
      if (!isKnownObject(objectSpec.obj)) throw managedObjectNotFound(objectSpec.obj);
      if (objectSpec.skip) continue;
      const names = wantedProperties(spec, objectSpec.obj);
      if (!names) continue;
      const key = `${objectSpec.obj.type}:${objectSpec.obj.value}`;
      const entry = found.get(key) ?? { obj: objectSpec.obj, names: new Set<string>() };
      for (const name of names) entry.names.add(name);
      found.set(key, entry);
    }
  }
  return [...found.values()].map(({ obj, names }) => ({ obj, names: [...names] }));
}

/** Reads the named properties of one object; a property that fails becomes a `missingSet` entry. */
export async function readObject(call: VimCall, obj: MoRef, names: readonly string[]): Promise<ObjectContent> {
  const content: ObjectContent = { obj, values: [], unset: [], missing: [] };
  const readers = PROPERTIES[obj.type] ?? {};
  for (const name of names) {
    const reader = readers[name];
    if (!reader) throw invalidProperty(name);
    try {
      const value = await reader(call);
      if (value === undefined) content.unset.push(name);
      else content.values.push({ name, value });
    } catch (error) {
      // What is not an engine error or a fault is not the client's business: the dispatcher logs it.
      const fault = faultOf(error, obj);
      if (!fault) throw error;
      content.missing.push({ path: name, fault });
    }
  }
  return content;
}

/** `LocalizedMethodFault`, as `missingSet` carries it. */
export function localizedFault(fault: WireFault): DataObject {
  return dataObject("LocalizedMethodFault", [
    ["fault", dataObject(fault.type, fault.fields, { subtype: true })],
    ["localizedMessage", fault.message],
  ]);
}

function missingProperty(entry: { path: string; fault: WireFault }): DataObject {
  return dataObject("MissingProperty", [
    ["path", entry.path],
    ["fault", localizedFault(entry.fault)],
  ]);
}

/** `ObjectContent`: the object, its set values (`propSet`), and what could not be read (`missingSet`). */
export function objectContent(content: ObjectContent): DataObject {
  return dataObject("ObjectContent", [
    ["obj", content.obj],
    [
      "propSet",
      content.values.map(({ name, value }) =>
        dataObject("DynamicProperty", [
          ["name", name],
          ["val", anyValue(value)],
        ]),
      ),
    ],
    ["missingSet", content.missing.map(missingProperty)],
  ]);
}

async function retrieve(call: VimCall, specs: readonly FilterSpec[]): Promise<ObjectContent[]> {
  // Check every spec before reading anything: a bad name fails the call, as the real collector does.
  const wanted = filterObjects(...specs);
  const contents: ObjectContent[] = [];
  for (const { obj, names } of wanted) contents.push(await readObject(call, obj, names));
  return contents;
}

const specSet = objects("specSet", readFilterSpec);

function readRetrieveOptions(source: ObjectSource): { maxObjects: number | undefined } {
  source.only(["maxObjects"]);
  return { maxObjects: source.integer("maxObjects") };
}

function readWaitOptions(source: ObjectSource): { maxWaitSeconds: number | undefined } {
  source.only(["maxWaitSeconds", "maxObjectUpdates"]);
  const maxWaitSeconds = source.integer("maxWaitSeconds");
  if (maxWaitSeconds !== undefined && maxWaitSeconds < 0) {
    throw new SessionError("INVALID_ARGUMENT", `${source.path}.maxWaitSeconds must not be negative.`);
  }
  return { maxWaitSeconds };
}

function version(args: Args): string {
  return typeof args.version === "string" ? args.version.trim() : "";
}

export const PROPERTY_COLLECTOR_METHODS: Readonly<Record<string, MethodSpec>> = {
  RetrieveProperties: {
    readOnly: true,
    anonymous: true,
    returnsList: true,
    params: [specSet],
    async run(call, args) {
      const contents = await retrieve(call, args.specSet as FilterSpec[]);
      return contents.map(objectContent);
    },
  },
  RetrievePropertiesEx: {
    readOnly: true,
    anonymous: true,
    params: [specSet, object("options", readRetrieveOptions, { required: false })],
    async run(call, args) {
      // Everything fits one answer (a handful of objects), so no continuation token is handed out.
      const contents = await retrieve(call, args.specSet as FilterSpec[]);
      if (contents.length === 0) return undefined;
      return dataObject("RetrieveResult", [["objects", contents.map(objectContent)]]);
    },
  },
  ContinueRetrievePropertiesEx: {
    readOnly: true,
    params: [text("token")],
    async run() {
      throw new SessionError("INVALID_ARGUMENT", "No retrieval is in progress under this token.", {
        details: { field: "token", wireField: "token" },
      });
    },
  },
  CancelRetrievePropertiesEx: {
    readOnly: true,
    params: [text("token")],
    async run() {
      return undefined;
    },
  },
  CreateFilter: {
    params: [object("spec", readFilterSpec), boolean("partialUpdates")],
    async run(call, args) {
      const spec = args.spec as FilterSpec;
      filterObjects(spec);
      return call.collectors.createFilter(call, spec);
    },
  },
  WaitForUpdatesEx: {
    params: [text("version", { required: false, max: 64 }), object("options", readWaitOptions, { required: false })],
    async run(call, args) {
      const options = args.options as { maxWaitSeconds: number | undefined } | undefined;
      return call.collectors.waitForUpdates(call, version(args), options?.maxWaitSeconds);
    },
  },
  WaitForUpdates: {
    params: [text("version", { required: false, max: 64 })],
    run: (call, args) => call.collectors.waitForUpdates(call, version(args), undefined),
  },
  CheckForUpdates: {
    params: [text("version", { required: false, max: 64 })],
    run: (call, args) => call.collectors.waitForUpdates(call, version(args), 0),
  },
  CancelWaitForUpdates: {
    params: [],
    async run(call) {
      call.collectors.cancelWait(call);
      return undefined;
    },
  },
};

export const PROPERTY_FILTER_METHODS: Readonly<Record<string, MethodSpec>> = {
  DestroyPropertyFilter: {
    params: [],
    async run(call) {
      call.collectors.destroyFilter(call);
      return undefined;
    },
  },
};
