import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionError } from "../../src/core/errors.ts";
import {
  attributeOf,
  childElement,
  childElements,
  escapeXml,
  parseXml,
  textOf,
  XMLNS_NAMESPACE,
  type XmlElement,
  XSI_NAMESPACE,
  xsiTypeOf,
} from "../../src/protocols/xml.ts";

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";

function firstChild(element: XmlElement): XmlElement {
  const [child] = childElements(element);
  assert.ok(child, `<${element.name}> has no child element`);
  return child;
}

function refused(xml: string, reason: RegExp, options = {}): void {
  assert.throws(
    () => parseXml(xml, options),
    (error: unknown) =>
      error instanceof SessionError && error.code === "MALFORMED_REQUEST" && reason.test(error.message),
    xml.slice(0, 80),
  );
}

describe("xml: the shared parser", () => {
  it("resolves prefixes and default namespaces alike", () => {
    const prefixed = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP}"><soapenv:Body><Login xmlns="urn:vim25"/></soapenv:Body></soapenv:Envelope>`,
    );
    const plain = parseXml(`<Envelope xmlns="${SOAP}"><Body><Login xmlns="urn:vim25"></Login></Body></Envelope>`);
    for (const root of [prefixed, plain]) {
      assert.equal(root.local, "Envelope");
      assert.equal(root.ns, SOAP);
      const body = childElement(root, "Body", SOAP);
      assert.ok(body);
      const login = childElements(body)[0];
      assert.equal(login?.local, "Login");
      assert.equal(login?.ns, "urn:vim25");
    }
    assert.equal(prefixed.prefix, "soapenv");
    assert.equal(plain.prefix, null);
  });

  it("keeps namespace declarations as attributes and gives unprefixed attributes no namespace", () => {
    const root = parseXml('<a xmlns="urn:x" xmlns:p="urn:p" id="1" p:id="2"/>');
    assert.deepEqual(
      root.attributes.map((a) => [a.name, a.local, a.ns]),
      [
        ["xmlns", "xmlns", XMLNS_NAMESPACE],
        ["xmlns:p", "p", XMLNS_NAMESPACE],
        ["id", "id", ""],
        ["p:id", "id", "urn:p"],
      ],
    );
    assert.equal(attributeOf(root, "id"), "1");
    assert.equal(attributeOf(root, "id", "urn:p"), "2");
  });

  it("reads attribute values that hold '>' and either quote, and decodes references in them", () => {
    const root = parseXml(`<a x='1 > 0' y="it's &amp; &#x41;" z = "tab\there"><b/></a>`);
    assert.equal(attributeOf(root, "x"), "1 > 0");
    assert.equal(attributeOf(root, "y"), "it's & A");
    assert.equal(attributeOf(root, "z"), "tab here");
    assert.equal(childElements(root).length, 1);
  });

  it("reads text, references, CDATA and comments", () => {
    const root = parseXml("\uFEFF<!-- c --><a>x &lt;&gt;&amp;&quot;&apos; &#66;<![CDATA[<raw>]]><!-- in --></a>\n");
    assert.equal(textOf(root), "x <>&\"' B<raw>");
    assert.equal(textOf(parseXml("<a><b/></a>")), null);
  });

  it("finds xsi:type whatever the prefix of the XML Schema instance namespace", () => {
    const root = parseXml(
      `<val xmlns:vim="urn:vim25" xmlns:i="${XSI_NAMESPACE}" i:type="vim:UserSession"><s xmlns="urn:d" i:type="ArrayOfString"/></val>`,
    );
    assert.deepEqual(xsiTypeOf(root), { ns: "urn:vim25", local: "UserSession" });
    const inner = childElements(root)[0];
    assert.ok(inner);
    assert.deepEqual(xsiTypeOf(inner), { ns: "urn:d", local: "ArrayOfString" });
    assert.equal(xsiTypeOf(parseXml("<a/>")), undefined);
  });

  it("refuses what a strict parser must", () => {
    refused('<!DOCTYPE x [<!ENTITY a "aaaa">]><a>&a;</a>', /document type/);
    refused("<a>&unknown;</a>", /undefined entity/);
    refused("<a>fish & chips</a>", /bare '&'/);
    refused("<a>&#0;</a>", /character reference/);
    refused("<a>\u0001</a>", /character XML does not allow/);
    refused("<?php x ?><a/>", /processing instructions/);
    refused("<p:a/>", /undeclared namespace prefix/);
    refused('<a xmlns:p=""/>', /bound to nothing/);
    refused('<a x="1" x="2"/>', /repeated attribute/);
    refused("<a x=1/>", /unquoted/);
    refused('<a x="<"/>', /'<' in an attribute/);
    refused("<a></b>", /mismatched end tag/);
    refused("<a/><b/>", /more than one root/);
    refused("text<a/>", /text outside/);
    refused("<a>", /incomplete/);
    refused("", /incomplete/);
    refused('<a x="1', /unterminated attribute/);
    refused("<a", /unterminated tag/);
    refused("<1a/>", /invalid name/);
    refused("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", /only UTF-8/);
    refused("<a><b><c/></b></a>", /nested too deeply/, { maxDepth: 2 });
    refused("<a><b/><b/><b/></a>", /too many elements/, { maxElements: 3 });
    refused('<a b="1" c="2"/>', /too many attributes/, { maxAttributes: 1 });
  });

  // @see issue 15, part 5: found by the differential test against saxes (xml-differential.test.ts).
  it("refuses what XML 1.0 with namespaces forbids and it used to accept", () => {
    refused("<a><!-- a -- b --></a>", /'--' inside a comment/);
    refused("<a><!-- ends in a dash ---></a>", /'--' inside a comment/);
    refused("<a><!--\u0001--></a>", /character XML does not allow/);
    refused("<a>x]]>y</a>", /']]>' in text/);
    refused("<a>\uD800</a>", /character XML does not allow/);
    refused('<a xmlns:p="urn:u" xmlns:q="urn:u" p:x="1" q:x="2"/>', /repeated attribute/);
    refused('<a xmlns:p="http://www.w3.org/2000/xmlns/"/>', /reserved namespace/);
    refused('<a xmlns:p="urn:x "/>', /namespace name with white space/);
    refused("<?xml?><a/>", /malformed XML declaration/);
    refused('<?xml encoding="UTF-8"?><a/>', /malformed XML declaration/);
    refused("<?xml-stylesheet href='x'?><a/>", /processing instructions/);
    refused("<a/>\u00A0", /text outside/);
  });

  it("reads line ends and white space in attribute values as XML 1.0 says", () => {
    const root = parseXml('<a b="x&#10;y\r\nz&#9;\tw">line\r\nend\rhere&#13;</a>');
    assert.equal(attributeOf(root, "b"), "x\ny z\t w");
    assert.equal(textOf(root), "line\nend\nhere\r");
    assert.equal(parseXml('<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>').local, "a");
  });

  it("refuses a document that piles up namespace declarations, without building a table per element", () => {
    // Deep elements declaring many prefixes, then many siblings declaring one more each: a parser that
    // copied its scope per element would build thousands of large tables from a few hundred kilobytes.
    const deep = Array.from({ length: 40 }, (_, d) => {
      const declarations = Array.from({ length: 63 }, (_, i) => ` xmlns:p${d}_${i}="urn:x:${d}:${i}"`).join("");
      return `<e${declarations}>`;
    }).join("");
    const siblings = Array.from({ length: 10_000 }, (_, i) => `<s xmlns:q${i}="urn:q"/>`).join("");
    const bomb = `<root>${deep}${siblings}${"</e>".repeat(40)}</root>`;
    refused(bomb, /too many namespace declarations/);
    // Declarations up to the limit are fine, and resolve through the chain of scopes.
    const nested = `<a xmlns:x="urn:1"><b xmlns:y="urn:2"><c xmlns="urn:3"><x:d y:z="1"/></c></b></a>`;
    let d: XmlElement = parseXml(nested);
    for (let depth = 0; depth < 3; depth++) d = firstChild(d);
    assert.equal(d.ns, "urn:1");
    assert.equal(d.attributes[0]?.ns, "urn:2");
  });

  it("in plain mode refuses attributes and prefixes as soon as it reads them", () => {
    refused('<a b="1"/>', /attributes/, { plain: true });
    refused('<a xmlns="urn:x"/>', /attributes/, { plain: true });
    refused('<p:a xmlns:p="urn:x"/>', /prefix/, { plain: true });
    assert.equal(parseXml("<a><b>text</b></a>", { plain: true }).local, "a");
  });

  it("names what failed to parse and never echoes the input", () => {
    assert.throws(
      () => parseXml("<a>&secret-entity;</a>", { label: "Malformed packet" }),
      (error: unknown) =>
        error instanceof SessionError &&
        error.message === "Malformed packet: an undefined entity." &&
        !error.message.includes("secret"),
    );
  });
});

describe("xml: escaping", () => {
  it("escapes markup and quotes, keeps CR and replaces what XML cannot carry", () => {
    assert.equal(escapeXml(`a<b>&"c"\r\n\t`), "a&lt;b&gt;&amp;&quot;c&quot;&#13;\n\t");
    assert.equal(
      escapeXml("nul\u0000 lone\uD800 pair\uD83D\uDE00 \uFFFE"),
      "nul\uFFFD lone\uFFFD pair\uD83D\uDE00 \uFFFD",
    );
    const plain = "nothing to do";
    assert.equal(escapeXml(plain), plain);
  });

  it("round-trips through the parser", () => {
    const text = `x < y && "q" \r ✓ \uD83D\uDE00`;
    assert.equal(textOf(parseXml(`<a>${escapeXml(text)}</a>`)), text);
    assert.equal(attributeOf(parseXml(`<a v="${escapeXml('1 & "2"')}"/>`), "v"), '1 & "2"');
  });
});
