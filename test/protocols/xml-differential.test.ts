/**
 * The shared XML parser (`src/protocols/xml.ts`) against a conformant one (saxes, a dev dependency):
 * on generated documents, both accept or both refuse, and when both accept they read the same elements,
 * namespaces, attributes and text. The documents are built from the pieces where parsers go wrong
 * (comments holding `--`, `]]>` in text, line ends in text and attributes, references, namespace
 * declarations that clash), then mutated byte-wise with a seed, so a failure names a reproducible case.
 *
 * What xml.ts refuses on purpose and saxes accepts is not generated: DTDs, processing instructions,
 * non-ASCII names, encodings other than UTF-8, XML 1.1, and its size limits (see `docs/security.md`).
 *
 * @see issue 15, part 5
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SaxesParser } from "saxes";
import { SessionError } from "../../src/core/errors.ts";
import { parseXml, type XmlElement } from "../../src/protocols/xml.ts";

/** What both parsers read from a document: its root as plain data, or null when it was refused. */
interface Tree {
  ns: string;
  local: string;
  /** `ns|local=value`, sorted: attribute order carries no meaning. */
  attributes: string[];
  /** Text (merged where adjacent, CDATA included) and child elements, in order. */
  children: (Tree | string)[];
}

function merged(children: (Tree | string)[]): (Tree | string)[] {
  const out: (Tree | string)[] = [];
  for (const child of children) {
    const last = out[out.length - 1];
    if (typeof child === "string" && typeof last === "string") out[out.length - 1] = last + child;
    else if (child !== "") out.push(child);
  }
  return out;
}

function fromXmlTs(element: XmlElement): Tree {
  return {
    ns: element.ns,
    local: element.local,
    attributes: element.attributes.map((a) => `${a.ns}|${a.local}=${a.value}`).sort(),
    children: merged(element.children.map((c) => (typeof c === "string" ? c : fromXmlTs(c)))),
  };
}

function readWithXmlTs(doc: string): Tree | null {
  try {
    return fromXmlTs(parseXml(doc, { maxDepth: 1000, maxElements: 1_000_000, maxAttributes: 1000 }));
  } catch (error) {
    // Anything but the parser's own refusal is a bug in it.
    assert.ok(error instanceof SessionError && error.code === "MALFORMED_REQUEST", `xml.ts threw ${String(error)}`);
    return null;
  }
}

/**
 * What saxes read, and whether it met what xml.ts refuses by design: a DTD, a processing instruction,
 * an encoding other than UTF-8, an XML version other than 1.0, a namespace name holding white space
 * (no URI does), a name that is not ASCII or whose local part is no NCName (`p:1`, which saxes lets
 * through though Namespaces in XML forbids it). `trimmed`: saxes cut other Unicode space (U+00A0, U+3000) off a namespace name, which
 * XML does not say to do, so the two readings cannot be compared.
 */
function readWithSaxes(doc: string): { tree: Tree | null; refusedByDesign: boolean; trimmed: boolean } {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Tree[] = [];
  let root: Tree | null = null;
  let refusedByDesign = false;
  let trimmed = false;
  parser.on("doctype", () => {
    refusedByDesign = true;
  });
  parser.on("processinginstruction", () => {
    refusedByDesign = true;
  });
  parser.on("xmldecl", (declaration) => {
    const encoding = declaration.encoding?.toLowerCase();
    if (declaration.version !== "1.0") refusedByDesign = true;
    if (encoding !== undefined && !["utf-8", "utf8", "us-ascii", "ascii"].includes(encoding)) refusedByDesign = true;
  });
  parser.on("opentagstart", (tag) => {
    if (!ASCII_QNAME.test(tag.name)) refusedByDesign = true;
  });
  parser.on("attribute", (attribute) => {
    if (!ASCII_QNAME.test(attribute.name)) refusedByDesign = true;
    const declares = attribute.name === "xmlns" || attribute.name.startsWith("xmlns:");
    if (declares && /[ \t\r\n]/.test(attribute.value)) refusedByDesign = true;
    else if (declares && attribute.value.trim() !== attribute.value) trimmed = true;
  });
  parser.on("opentag", (tag) => {
    const node: Tree = {
      ns: tag.uri,
      local: tag.local,
      attributes: Object.values(tag.attributes)
        .map((a) => `${a.uri}|${a.prefix === "" && a.local === "xmlns" ? "xmlns" : a.local}=${a.value}`)
        .sort(),
      children: [],
    };
    stack[stack.length - 1]?.children.push(node);
    stack.push(node);
  });
  const text = (value: string) => {
    stack[stack.length - 1]?.children.push(value);
  };
  parser.on("text", text);
  parser.on("cdata", text);
  parser.on("closetag", () => {
    const node = stack.pop();
    if (node) node.children = merged(node.children);
    if (stack.length === 0 && node) root = node;
  });
  try {
    parser.write(doc).close();
    return { tree: root, refusedByDesign, trimmed };
  } catch {
    return { tree: null, refusedByDesign, trimmed };
  }
}

/** A qualified name as xml.ts reads them: ASCII, a prefix and a local part that are both NCNames. */
const ASCII_QNAME = /^[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?$/;

/**
 * A surrogate that is not half of a pair. XML allows none anywhere; saxes lets them through in
 * attribute values. (A body decoded from UTF-8 never holds one: the decoder replaces it.)
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Compares the two readings of `doc`; a message saying how they differ, or undefined. */
function difference(doc: string): string | undefined {
  const ours = readWithXmlTs(doc);
  const { tree: theirs, refusedByDesign, trimmed } = readWithSaxes(doc);
  if (trimmed) return undefined;
  if (refusedByDesign || LONE_SURROGATE.test(doc)) {
    return ours === null ? undefined : "xml.ts accepts what it refuses by design";
  }
  if ((ours === null) !== (theirs === null)) {
    return `xml.ts ${ours === null ? "refuses" : "accepts"} and saxes ${theirs === null ? "refuses" : "accepts"}`;
  }
  try {
    assert.deepEqual(ours, theirs);
    return undefined;
  } catch {
    return `they read it differently: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`;
  }
}

// --- Generated documents ------------------------------------------------------------------------

/** Mostly what a well-formed document holds, now and then what it must not: about half are accepted. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: bad });
}

const PREFIXES = ["p", "q", "soapenv"];
const NAMESPACES = ["urn:p", "urn:q", "http://schemas.xmlsoap.org/soap/envelope/"];

const localName = fc.constantFrom("a", "b", "Body", "x-y", "x.y", "_z", "a1", "value", "xml-ish");
const qualifiedName = fc.oneof(
  { weight: 4, arbitrary: localName },
  {
    weight: 1,
    arbitrary: fc
      .tuple(mostly(fc.constantFrom(...PREFIXES, "xml"), fc.constantFrom("zz", "xmlns")), localName)
      .map(([p, l]) => `${p}:${l}`),
  },
);

/** Pieces of character data, markup-significant ones over-represented. */
const textPiece = mostly(
  fc.oneof(
    fc.constantFrom(
      "text",
      " ",
      "\n",
      "\r\n",
      "\r",
      "\t",
      ">",
      "]]",
      "]",
      "] ]>",
      "--",
      "-",
      "&amp;",
      "&lt;",
      "&gt;",
      "&quot;",
      "&apos;",
      "&#65;",
      "&#x1F600;",
      "&#13;",
      "&#10;",
      "&#9;",
      "'",
      '"',
      "é",
      "✓",
      "\uD83D\uDE00",
      "\u0085",
      "\u2028",
      "\u00A0",
    ),
    fc.stringMatching(/^[A-Za-z0-9 .,]{0,6}$/),
  ),
  fc.constantFrom(
    "]]>",
    "&#x0;",
    "&#xD800;",
    "&bogus;",
    "&",
    "&#;",
    "<",
    "\u0001",
    "\u000B",
    "\uFFFE",
    "\uD800",
    "\uDC00",
  ),
);
const text = fc.array(textPiece, { maxLength: 6 }).map((pieces) => pieces.join(""));

const attributeValue = fc.array(textPiece, { maxLength: 5 }).map((pieces) => pieces.join(""));
const quoted = attributeValue.chain((value) =>
  mostly(
    fc.constantFrom(`"${value.replaceAll('"', "&quot;")}"`, `'${value.replaceAll("'", "&apos;")}'`),
    fc.constant(`"${value}"`),
  ),
);
const spaceInTag = fc.constantFrom(" ", "  ", "\t", "\n", "\r\n", " \n ");

const declaration = mostly(
  fc.oneof(
    fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...NAMESPACES)).map(([p, ns]) => `xmlns:${p}="${ns}"`),
    fc.constantFrom(...NAMESPACES, "").map((ns) => `xmlns="${ns}"`),
    fc.constant('xmlns:xml="http://www.w3.org/XML/1998/namespace"'),
  ),
  fc.constantFrom(
    'xmlns:p=""',
    'xmlns:xmlns="urn:x"',
    'xmlns:xml="urn:x"',
    'xmlns:p="http://www.w3.org/2000/xmlns/"',
    'xmlns:p="http://www.w3.org/XML/1998/namespace"',
    'xmlns="http://www.w3.org/2000/xmlns/"',
    'xmlns="urn:p "',
    'xmlns:p="&#10;urn:p"',
  ),
);
const attribute = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(qualifiedName, spaceInTag, quoted).map(([n, s, v]) => `${n}${s.trim()}=${v}`) },
  { weight: 1, arbitrary: declaration },
);

const comment = fc
  .array(
    mostly(fc.constantFrom("c", " ", "-c", "->", "é", "<", ">", "&", "\r\n"), fc.constantFrom("--", "-", "\u0001")),
    {
      maxLength: 5,
    },
  )
  .map((pieces) => `<!--${pieces.join("")}-->`);
const cdata = fc
  .array(mostly(fc.constantFrom("raw", "<", "&", "]", "]]", ">", "\r\n", " "), fc.constant("\u0001")), {
    maxLength: 5,
  })
  .map((pieces) => `<![CDATA[${pieces.join("").replaceAll("]]>", "]] >")}]]>`);

/** The root declares the prefixes most of the time, so that prefixed names below it mostly resolve. */
const rootDeclarations = fc.constantFrom("", ` xmlns:p="urn:p" xmlns:q="urn:q" xmlns:soapenv="${NAMESPACES[2]}"`);

const { element } = fc.letrec<{ element: string; content: string }>((tie) => ({
  element: fc
    .tuple(
      qualifiedName,
      fc.array(fc.tuple(spaceInTag, attribute), { maxLength: 3 }),
      fc.option(tie("content"), { nil: undefined, freq: 3 }),
      fc.constantFrom("", " ", "\n"),
    )
    .map(([name, attributes, content, beforeClose]) => {
      const open = `<${name}${attributes.map(([s, a]) => s + a).join("")}${beforeClose}`;
      return content === undefined ? `${open}/>` : `${open}>${content}</${name}${beforeClose}>`;
    }),
  content: fc
    .array(
      fc.oneof(
        { depthSize: "small" },
        { weight: 4, arbitrary: text },
        { weight: 1, arbitrary: comment },
        { weight: 1, arbitrary: cdata },
        { weight: 2, arbitrary: tie("element") },
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.join("")),
}));

const root = fc
  .tuple(rootDeclarations, fc.constantFrom("root", "soapenv:Envelope", "p:r"), element)
  .map(([declarations, name, child]) => `<${name}${declarations}>${child}</${name}>`);

const prolog = mostly(
  fc.constantFrom(
    "",
    '<?xml version="1.0"?>',
    "<?xml version='1.0' encoding='UTF-8'?>",
    '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n',
    '<?xml version="1.0" standalone="no" ?>',
    "\uFEFF",
    "\uFEFF<?xml version='1.0'?>",
    " ",
    "<!-- first -->",
  ),
  fc.constantFrom(
    '<?xml encoding="UTF-8"?>',
    '<?xml version="1.0" standalone="maybe"?>',
    '<?xml version="1.0" encoding="UTF-8" version="1.0"?>',
    '<?xml version="1.0"encoding="UTF-8"?>',
    "<?xml?>",
    "<?xml-stylesheet href='x'?>",
    ' <?xml version="1.0"?>',
  ),
);
const misc = mostly(
  fc.constantFrom("", "\n", " \r\n", "<!-- after -->"),
  fc.constantFrom("<!-- a -- b -->", "x", "&#32;", "]]>", "\u00A0", "<![CDATA[x]]>"),
);

const documents = fc
  .tuple(prolog, misc, fc.oneof(element, root), misc)
  .map(([p, before, body, after]) => p + before + body + after);

/** A document with a few byte-wise edits: what a fuzzer sends once the grammar is right. */
const mutated = fc
  .tuple(
    documents,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("delete", "insert", "duplicate"),
        fc.constantFrom("<", ">", "/", "&", ";", "!", "-", "]", "[", '"', "'", "=", ":", "?", " ", "\r", "x"),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([doc, edits]) => {
    let out = doc;
    for (const [where, kind, char] of edits) {
      const at = out.length === 0 ? 0 : where % out.length;
      if (kind === "delete") out = out.slice(0, at) + out.slice(at + 1);
      else if (kind === "insert") out = out.slice(0, at) + char + out.slice(at);
      else out = out.slice(0, at) + out.slice(at, at + 8) + out.slice(at);
    }
    return out;
  });

describe("xml: differential against saxes", () => {
  it("agrees with saxes on the cases it used to get wrong", () => {
    for (const doc of [
      "<a><!-- a -- b --></a>",
      "<a><!-- ends in a dash ---></a>",
      "<a>]]></a>",
      "<a>x]]>y</a>",
      '<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>',
      "<a>line\r\nend\rhere</a>",
      '<a b="x&#10;y\r\nz&#9;"/>',
      "<a>\uD800</a>",
      "<?xml-stylesheet href='x'?><a/>",
      "<?xml?><a/>",
      '<?xml encoding="UTF-8"?><a/>',
      '<a xmlns:p="http://www.w3.org/2000/xmlns/"/>',
      "<a><!--\u0001--></a>",
    ]) {
      assert.equal(difference(doc), undefined, JSON.stringify(doc));
    }
  });

  it("reads generated documents as saxes does", () => {
    fc.assert(
      fc.property(documents, (doc) => {
        const found = difference(doc);
        assert.equal(found, undefined, `${found} on ${JSON.stringify(doc)}`);
      }),
      { numRuns: 3000, seed: 15_0501 },
    );
  });

  it("accepts and refuses mutated documents as saxes does", () => {
    fc.assert(
      fc.property(mutated, (doc) => {
        const found = difference(doc);
        assert.equal(found, undefined, `${found} on ${JSON.stringify(doc)}`);
      }),
      { numRuns: 3000, seed: 15_0502 },
    );
  });
});
