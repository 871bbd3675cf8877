/**
 * NUL framing of the Agent protocol: every packet, in both directions, ends with one zero byte
 * (protocols.md 2.1). The decoder splits a byte stream into packets whatever the reads look like:
 * several packets in one read, one packet across many reads (down to one byte at a time). Used by
 * the server and by the client.
 *
 * Only the bytes of each new chunk are searched for the NUL, so the cost is linear in the input
 * however slowly it arrives, and a packet is refused as soon as it grows past the limit, without
 * waiting for its end.
 *
 * @module
 */

export const PACKET_TERMINATOR = 0;

export type DecodedItem =
  /** One packet's bytes, without its NUL; never empty. */
  | { kind: "packet"; bytes: Buffer }
  /** A packet grew past the limit: the stream cannot be trusted any more. */
  | { kind: "too-large" };

export interface PacketDecoder {
  /**
   * Feeds bytes; returns the packets they complete, in order. After a `too-large` item the decoder
   * has failed: it returns nothing more.
   */
  push(chunk: Buffer): DecodedItem[];
  /** Bytes held of a packet not yet ended. */
  readonly pendingBytes: number;
  readonly failed: boolean;
}

export function createPacketDecoder(options: { maxPacketBytes: number }): PacketDecoder {
  const max = options.maxPacketBytes;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed = false;

  /** The pending bytes and `last` as one new buffer (never a view of the caller's chunk). */
  const take = (last: Buffer): Buffer => {
    const bytes =
      pending.length === 0 ? Buffer.from(last) : Buffer.concat([...pending, last], pendingBytes + last.length);
    pending = [];
    pendingBytes = 0;
    return bytes;
  };

  return {
    get pendingBytes() {
      return pendingBytes;
    },
    get failed() {
      return failed;
    },
    push(chunk) {
      const items: DecodedItem[] = [];
      if (failed) return items;
      let start = 0;
      while (start < chunk.length) {
        const end = chunk.indexOf(PACKET_TERMINATOR, start);
        const stop = end < 0 ? chunk.length : end;
        if (pendingBytes + (stop - start) > max) {
          failed = true;
          pending = [];
          pendingBytes = 0;
          items.push({ kind: "too-large" });
          return items;
        }
        if (end < 0) {
          // Copied: the caller's chunk may be a slice of a larger buffer that would otherwise stay alive.
          const rest = Buffer.from(chunk.subarray(start));
          pending.push(rest);
          pendingBytes += rest.length;
          break;
        }
        const bytes = take(chunk.subarray(start, end));
        // A NUL alone (an empty packet) is ignored: some clients send one as a keep-alive.
        if (bytes.length > 0) items.push({ kind: "packet", bytes });
        start = end + 1;
      }
      return items;
    },
  };
}

/** One packet's text, NUL-terminated, as bytes to write. */
export function framePacket(xml: string): Buffer {
  const body = Buffer.from(xml, "utf8");
  const framed = Buffer.allocUnsafe(body.length + 1);
  body.copy(framed);
  framed[body.length] = PACKET_TERMINATOR;
  return framed;
}
