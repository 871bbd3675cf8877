/** Unit tests of the Agent's NUL framing: the decoder the server and the client share. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPacketDecoder, type DecodedItem, framePacket } from "../../../src/protocols/agent/framing.ts";

function texts(items: DecodedItem[]): string[] {
  return items.map((item) => (item.kind === "packet" ? item.bytes.toString("utf8") : `<${item.kind}>`));
}

describe("agent framing", () => {
  it("splits several packets in one chunk and keeps the rest for later", () => {
    const decoder = createPacketDecoder({ maxPacketBytes: 100 });
    assert.deepEqual(texts(decoder.push(Buffer.from("one\0two\0thr"))), ["one", "two"]);
    assert.equal(decoder.pendingBytes, 3);
    assert.deepEqual(texts(decoder.push(Buffer.from("ee\0"))), ["three"]);
    assert.equal(decoder.pendingBytes, 0);
  });

  it("joins a packet fed one byte at a time, multi-byte characters included", () => {
    const decoder = createPacketDecoder({ maxPacketBytes: 100 });
    const bytes = Buffer.from("<é ü/>\0");
    const out: DecodedItem[] = [];
    for (const byte of bytes) out.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(texts(out), ["<é ü/>"]);
  });

  it("ignores empty packets", () => {
    const decoder = createPacketDecoder({ maxPacketBytes: 100 });
    assert.deepEqual(texts(decoder.push(Buffer.from("\0\0a\0\0"))), ["a"]);
  });

  it("accepts exactly maxPacketBytes and refuses one more byte at once, before the NUL arrives", () => {
    const fits = createPacketDecoder({ maxPacketBytes: 8 });
    assert.deepEqual(texts(fits.push(Buffer.from("12345678\0"))), ["12345678"]);
    const tooLarge = createPacketDecoder({ maxPacketBytes: 8 });
    assert.deepEqual(texts(tooLarge.push(Buffer.from("1234"))), []);
    assert.deepEqual(texts(tooLarge.push(Buffer.from("56789"))), ["<too-large>"]);
    assert.equal(tooLarge.failed, true);
    assert.deepEqual(texts(tooLarge.push(Buffer.from("\0ok\0"))), [], "nothing more after a failure");
  });

  it("answers packets complete before an oversized one in the same chunk", () => {
    const decoder = createPacketDecoder({ maxPacketBytes: 4 });
    assert.deepEqual(texts(decoder.push(Buffer.from("ab\0abcdef\0cd\0"))), ["ab", "<too-large>"]);
  });

  it("hands out copies, not views of the caller's buffer", () => {
    const decoder = createPacketDecoder({ maxPacketBytes: 100 });
    const chunk = Buffer.from("abc\0");
    const [item] = decoder.push(chunk);
    chunk.fill(0x7a);
    assert.ok(item?.kind === "packet");
    assert.equal(item.bytes.toString(), "abc");
  });

  it("stays linear on a long packet arriving in many small chunks", () => {
    // Quadratic rescanning would make this take seconds; linear work is a few milliseconds.
    const decoder = createPacketDecoder({ maxPacketBytes: 8 * 1024 * 1024 });
    const chunk = Buffer.alloc(16, 0x61);
    for (let i = 0; i < 200_000; i++) assert.equal(decoder.push(chunk).length, 0);
    const [item] = decoder.push(Buffer.from([0]));
    assert.ok(item?.kind === "packet");
    assert.equal(item.bytes.length, 16 * 200_000);
  });

  it("frames a packet with one NUL", () => {
    const framed = framePacket("<packet/>é");
    assert.equal(framed.at(-1), 0);
    assert.equal(framed.subarray(0, -1).toString("utf8"), "<packet/>é");
  });
});
