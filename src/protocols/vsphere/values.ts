/**
 * vSphere data values and their two wire forms: vim25 SOAP XML and the vSphere JSON API.
 *
 * A value is a string, number, boolean, date, managed object reference, data object (a typed record
 * with its fields in WSDL order) or a list of them. The same value is written differently depending
 * on where it goes: in a place whose type the WSDL declares (`returnval`, a data object's field) it
 * needs no type; in an `anyType` place (a property's `<val>`, a change's `val`) it must carry
 * `xsi:type`, or pyVmomi 6.7.1 refuses it ("Invalid type for tag"). Lists are repeated elements in
 * the first case and `ArrayOf<T>` wrappers in the second.
 *
 * @module
 */

import { escapeXml } from "../xml.ts";

export interface MoRef {
  readonly kind: "moref";
  readonly type: string;
  readonly value: string;
}

export interface DataObject {
  readonly kind: "data";
  /** The vim25 type name: `UserSession`, `ServiceContent`. */
  readonly type: string;
  /** Fields in WSDL order; undefined fields are left out (unset). */
  readonly fields: readonly (readonly [string, VimValue | undefined])[];
  /**
   * Written with `xsi:type` even where the WSDL declares the field's type, because the declared type
   * is a base type (a fault in `LocalizedMethodFault.fault` is declared `MethodFault`).
   */
  readonly subtype?: boolean;
}

/** A value in a field the WSDL declares `anyType` (`DynamicProperty.val`, `PropertyChange.val`). */
export interface AnyValue {
  readonly kind: "any";
  readonly value: VimValue;
}

export type VimValue = string | number | boolean | Date | MoRef | DataObject | AnyValue | readonly VimValue[];

export function moRef(type: string, value: string): MoRef {
  return { kind: "moref", type, value };
}

export function dataObject(
  type: string,
  fields: DataObject["fields"],
  options: { subtype?: boolean } = {},
): DataObject {
  return options.subtype ? { kind: "data", type, fields, subtype: true } : { kind: "data", type, fields };
}

export function anyValue(value: VimValue): AnyValue {
  return { kind: "any", value };
}

type Single = Exclude<VimValue, readonly VimValue[]>;

function isObject(value: VimValue): value is MoRef | DataObject | AnyValue {
  return typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

function isMoRef(value: VimValue): value is MoRef {
  return isObject(value) && value.kind === "moref";
}

function isDataObject(value: VimValue): value is DataObject {
  return isObject(value) && value.kind === "data";
}

function isAnyValue(value: VimValue): value is AnyValue {
  return isObject(value) && value.kind === "any";
}

function scalarText(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** One field in a place whose type is declared: `<name>…</name>`, a list as repeated elements. */
export function xmlField(name: string, value: VimValue | undefined): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => xmlField(name, item)).join("");
  const item = value as Single;
  if (isAnyValue(item)) return xmlAny(name, item.value);
  if (isMoRef(item)) return `<${name} type="${escapeXml(item.type)}">${escapeXml(item.value)}</${name}>`;
  if (isDataObject(item)) {
    const type = item.subtype ? ` xsi:type="${item.type}"` : "";
    return `<${name}${type}>${xmlFields(item)}</${name}>`;
  }
  return `<${name}>${scalarText(item)}</${name}>`;
}

/** A data object's fields, in order. */
export function xmlFields(object: DataObject): string {
  return object.fields.map(([name, value]) => xmlField(name, value)).join("");
}

/** The `xsi:type` an `anyType` place gives a value, and how it writes the value's content. */
function anyTypeOf(value: VimValue): { type: string; content: string } {
  if (Array.isArray(value)) {
    const first = value[0];
    if (first === undefined) return { type: "ArrayOfString", content: "" };
    const item = anyTypeOf(first);
    const element = item.type.startsWith("xsd:") ? item.type.slice(4) : item.type;
    return {
      type: `ArrayOf${element.charAt(0).toUpperCase()}${element.slice(1)}`,
      content: value.map((v) => xmlField(element, v)).join(""),
    };
  }
  const item = value as Single;
  if (isAnyValue(item)) return anyTypeOf(item.value);
  if (isMoRef(item)) return { type: "ManagedObjectReference", content: escapeXml(item.value) };
  if (isDataObject(item)) return { type: item.type, content: xmlFields(item) };
  if (typeof item === "string") return { type: "xsd:string", content: escapeXml(item) };
  if (typeof item === "boolean") return { type: "xsd:boolean", content: String(item) };
  if (typeof item === "number")
    return { type: Number.isInteger(item) ? "xsd:long" : "xsd:double", content: String(item) };
  return { type: "xsd:dateTime", content: item.toISOString() };
}

/** A value in an `anyType` place: `<name xsi:type="T">…</name>`. */
export function xmlAny(name: string, value: VimValue): string {
  const { type, content } = anyTypeOf(value);
  const ref = isMoRef(value) ? ` type="${escapeXml(value.type)}"` : "";
  return `<${name}${ref} xsi:type="${type}">${content}</${name}>`;
}

/** The JSON API form: data objects carry `_typeName`, references are `ManagedObjectReference` objects. */
export function toJson(value: VimValue): unknown {
  if (Array.isArray(value)) return value.map(toJson);
  const item = value as Single;
  if (item instanceof Date) return item.toISOString();
  if (typeof item !== "object") return item;
  if (isAnyValue(item)) return toJson(item.value);
  if (isMoRef(item)) return { _typeName: "ManagedObjectReference", type: item.type, value: item.value };
  const json: Record<string, unknown> = { _typeName: item.type };
  for (const [name, field] of item.fields) if (field !== undefined) json[name] = toJson(field);
  return json;
}

/**
 * A comparable text of a value, for telling whether a watched property changed between two reads.
 * `volatile` names, by data object type, fields left out wherever such an object appears (a
 * session's `lastActiveTime` changes on every call).
 */
export function fingerprint(
  value: VimValue | undefined,
  volatile: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): string {
  if (value === undefined) return "unset";
  const strip = (v: VimValue): VimValue => {
    if (Array.isArray(v)) return v.map(strip);
    const item = v as Single;
    if (isAnyValue(item)) return strip(item.value);
    if (isDataObject(item)) {
      const ignore = volatile.get(item.type);
      return dataObject(
        item.type,
        item.fields.filter(([name]) => !ignore?.has(name)).map(([name, f]) => [name, f === undefined ? f : strip(f)]),
      );
    }
    return item;
  };
  return JSON.stringify(toJson(strip(value)));
}
