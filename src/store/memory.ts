/**
 * The in-memory store: used by tests, by `--store memory`, and sized to hold a million sessions in
 * about 200 bytes each.
 *
 * Sessions are kept as a struct of arrays indexed by slot, not as objects: numbers and times in
 * `Float64Array`s (NaN stands for null), strings that repeat across sessions (realm, user, locale,
 * client, binding...) interned with reference counts and stored as `Uint32` ids, and the key (a UUID)
 * and secret digest (64 hex characters) stored as their bytes. Lookups go through open-addressing hash
 * tables over slots (key, digest) and a sorted number index (number, and listing in number order).
 * A key or digest that is not in canonical lowercase form is kept in a side map instead, so any string
 * round-trips exactly. Freed slots are reused. Expiry uses an indexed binary min-heap of deadlines that is
 * lazily corrected: activity only ever moves a deadline later, so it leaves the heap alone and a popped
 * entry whose real deadline has moved is pushed down again. Records handed out are always fresh objects.
 *
 * Everything else (attributes, tickets, directory, settings, audit) is ordinary maps holding copies.
 *
 * All work is synchronous inside the async methods, so every method is atomic.
 *
 * @module
 */

import { bindingFromText, bindingToText } from "../core/binding.ts";
import { SessionError } from "../core/errors.ts";
import { type ActivityPolicy, idleGraceMs } from "../core/session.ts";
import type {
  AttributeEntry,
  AttributeLimits,
  CappedWrite,
  PutAttributeResult,
  SessionCap,
  SessionFilter,
  SessionPage,
  SessionPatch,
  Store,
} from "../core/store/index.ts";
import type {
  ActivityDelta,
  AuditEntry,
  ClientInfo,
  Group,
  Protocol,
  Realm,
  SessionRecord,
  TicketKind,
  TicketRecord,
  User,
} from "../core/types.ts";

// --- Interned strings --------------------------------------------------------------------------------

/** Strings shared by many sessions, each stored once with a reference count. Id 0 stands for null. */
class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: (string | null)[] = [null];
  private readonly refs: number[] = [0];
  private readonly free: number[] = [];

  /** Takes a reference to `text` (null gives 0 and takes nothing). */
  acquire(text: string | null | undefined): number {
    if (text === null || text === undefined) return 0;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
      this.strings[id] = text;
      this.refs[id] = 0;
      this.ids.set(text, id);
    }
    this.refs[id] = (this.refs[id] ?? 0) + 1;
    return id;
  }

  /** Takes one more reference to a live id. */
  acquireId(id: number): number {
    this.refs[id] = (this.refs[id] ?? 0) + 1;
    return id;
  }

  release(id: number): void {
    if (id === 0) return;
    const left = (this.refs[id] ?? 0) - 1;
    this.refs[id] = left;
    if (left > 0) return;
    const text = this.strings[id];
    if (text !== null && text !== undefined) this.ids.delete(text);
    this.strings[id] = null;
    this.free.push(id);
  }

  /** The id of `text`, or -1 when no session holds it. */
  find(text: string): number {
    return this.ids.get(text) ?? -1;
  }

  text(id: number): string | null {
    return this.strings[id] ?? null;
  }

  /** How many references `id` has. */
  count(id: number): number {
    return id > 0 ? (this.refs[id] ?? 0) : 0;
  }

  /** Every live id with its text. */
  *entries(): IterableIterator<[number, string]> {
    for (const [text, id] of this.ids) yield [id, text];
  }
}

/** Client descriptions, interned as a whole (they repeat across sessions even more than their parts). */
class ClientPool {
  private readonly pool = new StringPool();
  private readonly infos: (ClientInfo | undefined)[] = [];

  // The last client acquired: most sessions in a row come from the same kind of client.
  private lastId = 0;
  private lastName: string | undefined;
  private lastVersion: string | undefined;
  private lastIpAddress: string | undefined;
  private lastUserAgent: string | undefined;

  acquire(client: ClientInfo | null | undefined): number {
    const name = typeof client?.name === "string" ? client.name : undefined;
    const version = typeof client?.version === "string" ? client.version : undefined;
    const ipAddress = typeof client?.ipAddress === "string" ? client.ipAddress : undefined;
    const userAgent = typeof client?.userAgent === "string" ? client.userAgent : undefined;
    if (
      this.lastId !== 0 &&
      name === this.lastName &&
      version === this.lastVersion &&
      ipAddress === this.lastIpAddress &&
      userAgent === this.lastUserAgent
    ) {
      return this.pool.acquireId(this.lastId);
    }
    const info: ClientInfo = {};
    if (name !== undefined) info.name = name;
    if (version !== undefined) info.version = version;
    if (ipAddress !== undefined) info.ipAddress = ipAddress;
    if (userAgent !== undefined) info.userAgent = userAgent;
    const id = this.pool.acquire(JSON.stringify([name ?? null, version ?? null, ipAddress ?? null, userAgent ?? null]));
    if (this.pool.count(id) === 1) this.infos[id] = info;
    this.lastId = id;
    this.lastName = name;
    this.lastVersion = version;
    this.lastIpAddress = ipAddress;
    this.lastUserAgent = userAgent;
    return id;
  }

  release(id: number): void {
    this.pool.release(id);
    if (this.pool.count(id) > 0) return;
    this.infos[id] = undefined;
    // The id may be handed to another client now.
    if (id === this.lastId) this.lastId = 0;
  }

  /** A fresh copy of the client with only the fields that were set. */
  copy(id: number): ClientInfo {
    return { ...this.infos[id] };
  }
}

// --- Keys and digests as bytes -----------------------------------------------------------------------

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Value of each lowercase hex digit by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

/** Value of a lowercase hex digit, or -1. */
function hexDigit(code: number): number {
  return code < 128 ? (HEX_VALUE[code] as number) : -1;
}

/** Parses 8 lowercase hex characters at `at` into an unsigned 32-bit word, or -1. */
function hexWord(text: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    word = (word << 4) | digit;
  }
  return word >>> 0;
}

function wordHex(word: number): string {
  return HEX[word >>> 24] + (HEX[(word >>> 16) & 255] as string) + HEX[(word >>> 8) & 255] + HEX[word & 255];
}

const UUID_LENGTH = 36;
const DIGEST_LENGTH = 64;
const KEY_WORDS = 4;
const DIGEST_WORDS = 8;

/** Reads a canonical UUID (lowercase, 8-4-4-4-12) into 4 words; false when `text` is not one. */
function parseUuid(text: string, out: Uint32Array): boolean {
  if (text.length !== UUID_LENGTH) return false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
      continue;
    }
    const digit = hexDigit(code);
    if (digit < 0) return false;
    word = (word << 4) | digit;
    digits++;
    if ((digits & 7) === 0) {
      out[(digits >>> 3) - 1] = word >>> 0;
      word = 0;
    }
  }
  return true;
}

function formatUuid(words: Uint32Array, at: number): string {
  const b = wordHex(words[at + 1] as number);
  const c = wordHex(words[at + 2] as number);
  return `${wordHex(words[at] as number)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${wordHex(words[at + 3] as number)}`;
}

/** Reads 64 lowercase hex characters into 8 words; false when `text` is not such a digest. */
function parseDigest(text: string, out: Uint32Array): boolean {
  if (text.length !== DIGEST_LENGTH) return false;
  for (let i = 0; i < DIGEST_WORDS; i++) {
    const word = hexWord(text, i * 8);
    if (word < 0) return false;
    out[i] = word;
  }
  return true;
}

function formatDigest(words: Uint32Array, at: number): string {
  let text = "";
  for (let i = 0; i < DIGEST_WORDS; i++) text += wordHex(words[at + i] as number);
  return text;
}

/** Mixes `count` words into a well-spread 32-bit hash (UUID v7 keys, for one, share their first bytes). */
function hashWords(words: Uint32Array, at: number, count: number): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    h = Math.imul(h ^ (words[at + i] as number), 0x85ebca6b);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function sameWords(a: Uint32Array, at: number, b: Uint32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

/**
 * An open-addressing (linear probing) set of slots, keyed by the fixed-size words a slot holds in
 * `words()`. Entries are `slot + 1`, 0 is empty; deletion shifts followers back, so there are no
 * tombstones. Kept at most half full.
 */
class SlotTable {
  private table = new Int32Array(16);
  private mask = 15;
  private size = 0;

  private readonly width: number;
  private readonly words: () => Uint32Array;

  constructor(width: number, words: () => Uint32Array) {
    this.width = width;
    this.words = words;
  }

  private hashOf(slot: number): number {
    return hashWords(this.words(), slot * this.width, this.width);
  }

  find(probe: Uint32Array): number {
    const words = this.words();
    const width = this.width;
    let i = hashWords(probe, 0, width) & this.mask;
    for (;;) {
      const entry = this.table[i] as number;
      if (entry === 0) return -1;
      if (sameWords(words, (entry - 1) * width, probe, width)) return entry - 1;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a slot whose words are not in the table yet. */
  add(slot: number): void {
    if ((this.size + 1) * 2 > this.table.length) this.resize(this.table.length * 2);
    this.place(slot);
    this.size++;
  }

  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.hashOf(slot) & mask;
    while (table[i] !== slot + 1) {
      if (table[i] === 0) return;
      i = (i + 1) & mask;
    }
    this.size--;
    // Backward-shift deletion: pull up every follower whose home is not in (i, j].
    for (;;) {
      table[i] = 0;
      let j = i;
      for (;;) {
        j = (j + 1) & mask;
        const entry = table[j] as number;
        if (entry === 0) return;
        const home = this.hashOf(entry - 1) & mask;
        const stays = i <= j ? i < home && home <= j : i < home || home <= j;
        if (!stays) {
          table[i] = entry;
          i = j;
          break;
        }
      }
    }
  }

  private place(slot: number): void {
    let i = this.hashOf(slot) & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  private resize(length: number): void {
    const old = this.table;
    this.table = new Int32Array(length);
    this.mask = length - 1;
    for (let i = 0; i < old.length; i++) {
      const entry = old[i] as number;
      if (entry !== 0) this.place(entry - 1);
    }
  }
}

// --- Small helpers -----------------------------------------------------------------------------------

function alreadyExists(what: string): SessionError {
  return new SessionError("ALREADY_EXISTS", `${what} already exists.`);
}

function grown<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}

/** NaN stands for null in the number columns. */
function orNaN(value: number | null | undefined): number {
  return value === null || value === undefined ? Number.NaN : value;
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function copyRealm(realm: Realm): Realm {
  return { ...realm, supportedLocales: [...realm.supportedLocales] };
}

function copyUser(user: User): User {
  return { ...user, groups: [...user.groups], privileges: [...user.privileges] };
}

function copyGroup(group: Group): Group {
  return { ...group, privileges: [...group.privileges] };
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

interface AttributeSet {
  values: Map<string, string>;
  bytes: number;
}

interface Directory {
  users: Map<string, User>;
  userNames: Map<number, string>;
  groups: Map<string, Group>;
  groupNames: Map<number, string>;
}

const FLAG_SIDE_KEY = 1;
const FLAG_SIDE_DIGEST = 2;
const FLAG_LIVE = 4;
const FLAG_BOUND = 8;
const FLAG_IDLE_CHOSEN = 16;

const INITIAL_SLOTS = 1024;

// --- The store ---------------------------------------------------------------------------------------

class MemoryStore implements Store {
  readonly driver = "memory" as const;
  /** One process holds it: no other node writes it. */
  readonly shared = false;

  // Per-slot columns. Grown together by `ensureCapacity`.
  private capacity = INITIAL_SLOTS;
  private number = new Float64Array(INITIAL_SLOTS);
  private createdAt = new Float64Array(INITIAL_SLOTS);
  private loginAt = new Float64Array(INITIAL_SLOTS);
  private lastActiveAt = new Float64Array(INITIAL_SLOTS);
  private userActiveAt = new Float64Array(INITIAL_SLOTS);
  private callCount = new Float64Array(INITIAL_SLOTS);
  private idleTimeoutMs = new Float64Array(INITIAL_SLOTS);
  private expiresAt = new Float64Array(INITIAL_SLOTS);
  private realm = new Uint32Array(INITIAL_SLOTS);
  private userName = new Uint32Array(INITIAL_SLOTS);
  private impersonatedBy = new Uint32Array(INITIAL_SLOTS);
  private locale = new Uint32Array(INITIAL_SLOTS);
  private messageLocale = new Uint32Array(INITIAL_SLOTS);
  private client = new Uint32Array(INITIAL_SLOTS);
  private binding = new Uint32Array(INITIAL_SLOTS);
  private protocol = new Uint8Array(INITIAL_SLOTS);
  private flags = new Uint8Array(INITIAL_SLOTS);
  private keyWords = new Uint32Array(INITIAL_SLOTS * KEY_WORDS);
  private digestWords = new Uint32Array(INITIAL_SLOTS * DIGEST_WORDS);
  /** Doubly linked list of the sessions of each user name (by userName id), for per-user filters. */
  private userNext = new Int32Array(INITIAL_SLOTS);
  private userPrev = new Int32Array(INITIAL_SLOTS);
  /** Position in `heap`, or -1. */
  private heapPos = new Int32Array(INITIAL_SLOTS);
  /** The deadline the heap orders this slot by: never later than its real deadline. */
  private heapKey = new Float64Array(INITIAL_SLOTS);

  private slotTop = 0;
  private readonly freeSlots: number[] = [];
  private live = 0;

  // Interned strings. Realms and user names have pools of their own so that their reference counts
  // are session counts.
  private readonly realms = new StringPool();
  private readonly userNames = new StringPool();
  private readonly strings = new StringPool();
  private readonly clients = new ClientPool();
  private readonly protocols: string[] = [];
  private readonly protocolCounts: number[] = [];
  private readonly userHead: number[] = [];

  // Indexes.
  private readonly byKey = new SlotTable(KEY_WORDS, () => this.keyWords);
  private readonly byDigest = new SlotTable(DIGEST_WORDS, () => this.digestWords);
  private readonly sideKeys = new Map<number, string>();
  private readonly sideKeySlots = new Map<string, number>();
  private readonly sideDigests = new Map<number, string>();
  private readonly sideDigestSlots = new Map<string, number>();
  private readonly boundSlots = new Set<number>();
  private readonly probe = new Uint32Array(DIGEST_WORDS);
  private readonly keyProbe = new Uint32Array(KEY_WORDS);

  /** Session numbers in ascending order with their slots (-1 once deleted, until compaction). */
  private orderNumber = new Float64Array(INITIAL_SLOTS);
  private orderSlot = new Int32Array(INITIAL_SLOTS);
  private orderLength = 0;
  private orderDead = 0;

  /** Min-heap of slots by `heapKey`. */
  private heap = new Int32Array(INITIAL_SLOTS);
  private heapLength = 0;

  private lastNumber = 0;
  private readonly attributes = new Map<number, AttributeSet>();

  private readonly realmsByName = new Map<string, Realm>();
  private readonly realmNamesById = new Map<string, string>();
  private readonly directories = new Map<string, Directory>();
  private readonly tickets = new Map<string, TicketRecord>();
  private readonly settings = new Map<string, string>();
  private readonly audit: AuditEntry[] = [];

  // --- Sessions ------------------------------------------------------------------------------------

  async nextSessionNumber(): Promise<number> {
    this.lastNumber = Math.floor(this.lastNumber) + 1;
    return this.lastNumber;
  }

  async insertSession(record: SessionRecord): Promise<void> {
    this.insertRecord(record);
  }

  async insertSessionCapped(record: SessionRecord, cap: SessionCap): Promise<CappedWrite> {
    const others = this.userSlots(record.realm, record.userName, -1);
    if (others.length >= cap.max && cap.policy === "deny") return { session: null, denied: true, evicted: [] };
    this.insertRecord(record);
    return { session: this.record(this.slotByKey(record.key)), denied: false, evicted: this.evict(others, cap.max) };
  }

  async updateSessionCapped(key: string, patch: SessionPatch, cap: SessionCap): Promise<CappedWrite> {
    const slot = this.slotByKey(key);
    if (slot < 0) return { session: null, denied: false, evicted: [] };
    const realm = patch.realm ?? (this.realms.text(this.realm[slot] as number) as string);
    const others = this.userSlots(realm, patch.userName ?? null, slot);
    if (others.length >= cap.max && cap.policy === "deny") return { session: null, denied: true, evicted: [] };
    const session = this.updateRecord(key, patch);
    return { session, denied: false, evicted: this.evict(others, cap.max) };
  }

  /** The live slots of a user's sessions but `except`, oldest first (by login, then number). */
  private userSlots(realm: string, userName: string | null, except: number): number[] {
    if (userName === null) return [];
    const match = this.matcher({ realm, userName });
    if (match === null) return [];
    const slots: number[] = [];
    const user = this.userNames.find(userName);
    for (let slot = this.userHead[user] ?? -1; slot >= 0; slot = this.userNext[slot] as number) {
      if (slot !== except && match(slot)) slots.push(slot);
    }
    const loggedIn = (slot: number) => {
      const at = this.loginAt[slot] as number;
      return Number.isNaN(at) ? (this.createdAt[slot] as number) : at;
    };
    return slots.sort((a, b) => loggedIn(a) - loggedIn(b) || (this.number[a] as number) - (this.number[b] as number));
  }

  /** Deletes the oldest of `others` so that, with the session just written, at most `max` remain. */
  private evict(others: number[], max: number): SessionRecord[] {
    const evicted: SessionRecord[] = [];
    for (const slot of others.slice(0, Math.max(0, others.length + 1 - max))) {
      evicted.push(this.record(slot));
      this.deleteSlot(slot);
    }
    return evicted;
  }

  private insertRecord(record: SessionRecord): void {
    const keyCanonical = parseUuid(record.key, this.keyProbe);
    if (keyCanonical ? this.byKey.find(this.keyProbe) >= 0 : this.sideKeySlots.has(record.key)) {
      throw alreadyExists("A session with this key");
    }
    if (this.orderFind(record.number) >= 0) throw alreadyExists("A session with this number");
    const digestCanonical = parseDigest(record.secretDigest, this.probe);
    if (digestCanonical ? this.byDigest.find(this.probe) >= 0 : this.sideDigestSlots.has(record.secretDigest)) {
      throw alreadyExists("A session with this secret");
    }

    const slot = this.allocateSlot();
    let flags = FLAG_LIVE;
    if (keyCanonical) {
      const at = slot * KEY_WORDS;
      const words = this.keyWords;
      const probe = this.keyProbe;
      words[at] = probe[0] as number;
      words[at + 1] = probe[1] as number;
      words[at + 2] = probe[2] as number;
      words[at + 3] = probe[3] as number;
      this.byKey.add(slot);
    } else {
      flags |= FLAG_SIDE_KEY;
      this.sideKeys.set(slot, record.key);
      this.sideKeySlots.set(record.key, slot);
    }
    if (digestCanonical) {
      this.digestWords.set(this.probe, slot * DIGEST_WORDS);
      this.byDigest.add(slot);
    } else {
      flags |= FLAG_SIDE_DIGEST;
      this.sideDigests.set(slot, record.secretDigest);
      this.sideDigestSlots.set(record.secretDigest, slot);
    }

    this.number[slot] = record.number;
    this.createdAt[slot] = record.createdAt;
    this.loginAt[slot] = orNaN(record.loginAt);
    this.lastActiveAt[slot] = record.lastActiveAt;
    this.userActiveAt[slot] = orNaN(record.userActiveAt);
    this.callCount[slot] = record.callCount;
    this.idleTimeoutMs[slot] = orNaN(record.idleTimeoutMs);
    this.expiresAt[slot] = orNaN(record.expiresAt);
    this.realm[slot] = this.realms.acquire(record.realm);
    this.impersonatedBy[slot] = this.strings.acquire(record.impersonatedBy);
    this.locale[slot] = this.strings.acquire(record.locale);
    this.messageLocale[slot] = this.strings.acquire(record.messageLocale);
    this.client[slot] = this.clients.acquire(record.client);
    const protocol = this.protocolId(record.protocol);
    this.protocol[slot] = protocol;
    this.protocolCounts[protocol] = (this.protocolCounts[protocol] ?? 0) + 1;
    const binding = bindingToText(record.binding);
    this.binding[slot] = this.strings.acquire(binding);
    if (binding !== null) {
      flags |= FLAG_BOUND;
      this.boundSlots.add(slot);
    }
    if (record.idleTimeoutChosen) flags |= FLAG_IDLE_CHOSEN;
    this.flags[slot] = flags;
    this.setUserName(slot, record.userName);
    this.orderInsert(record.number, slot);
    if (record.number > this.lastNumber) this.lastNumber = record.number;
    this.heapPos[slot] = -1;
    this.reindexDeadline(slot);
    this.live++;
  }

  async getSessionByDigest(secretDigest: string): Promise<SessionRecord | null> {
    const slot = this.slotByDigest(secretDigest);
    return slot < 0 ? null : this.record(slot);
  }

  async getSessionByKey(key: string): Promise<SessionRecord | null> {
    const slot = this.slotByKey(key);
    return slot < 0 ? null : this.record(slot);
  }

  async getSessionByNumber(number: number): Promise<SessionRecord | null> {
    const slot = this.orderFind(number);
    return slot < 0 ? null : this.record(slot);
  }

  async updateSession(key: string, patch: SessionPatch): Promise<SessionRecord | null> {
    return this.updateRecord(key, patch);
  }

  private updateRecord(key: string, patch: SessionPatch): SessionRecord | null {
    const slot = this.slotByKey(key);
    if (slot < 0) return null;
    if (patch.userName !== undefined) this.setUserName(slot, patch.userName);
    if (patch.impersonatedBy !== undefined) this.replaceString(this.impersonatedBy, slot, patch.impersonatedBy);
    if (patch.locale !== undefined) this.replaceString(this.locale, slot, patch.locale);
    if (patch.messageLocale !== undefined) this.replaceString(this.messageLocale, slot, patch.messageLocale);
    if (patch.loginAt !== undefined) this.loginAt[slot] = orNaN(patch.loginAt);
    if (patch.realm !== undefined) {
      const old = this.realm[slot] as number;
      this.realm[slot] = this.realms.acquire(patch.realm);
      this.realms.release(old);
    }
    if (patch.expiresAt !== undefined || patch.idleTimeoutMs !== undefined) {
      if (patch.expiresAt !== undefined) this.expiresAt[slot] = orNaN(patch.expiresAt);
      if (patch.idleTimeoutMs !== undefined) this.idleTimeoutMs[slot] = orNaN(patch.idleTimeoutMs);
      // Either may move the deadline earlier, which the heap must see at once.
      this.reindexDeadline(slot);
    }
    return this.record(slot);
  }

  async applyActivity(deltas: readonly ActivityDelta[]): Promise<void> {
    for (const delta of deltas) {
      const slot = this.slotByKey(delta.key);
      if (slot < 0) continue;
      // Only ever later: the heap may keep the earlier deadline and correct it when it pops.
      if (delta.lastActiveAt > (this.lastActiveAt[slot] as number)) this.lastActiveAt[slot] = delta.lastActiveAt;
      this.callCount[slot] = (this.callCount[slot] as number) + delta.calls;
      if (delta.userActiveAt !== null && delta.userActiveAt !== undefined) {
        this.userActiveAt[slot] = delta.userActiveAt;
      }
    }
  }

  async takeSession(key: string): Promise<SessionRecord | null> {
    const slot = this.slotByKey(key);
    if (slot < 0) return null;
    const record = this.record(slot);
    this.deleteSlot(slot);
    return record;
  }

  async takeExpiredSessions(now: number, limit: number, grace?: ActivityPolicy): Promise<SessionRecord[]> {
    const taken: SessionRecord[] = [];
    while (taken.length < limit && this.heapLength > 0) {
      const slot = this.heap[0] as number;
      if ((this.heapKey[slot] as number) > now) break;
      const due = this.sweepAt(slot, grace);
      if (due <= now) {
        taken.push(this.record(slot));
        this.deleteSlot(slot);
      } else {
        // Touched since it was indexed (its deadline moved later), or within its grace: look again then.
        this.heapKey[slot] = due;
        this.siftDown(this.heapPos[slot] as number);
      }
    }
    return taken;
  }

  async takeSessionsByBinding(prefix: string): Promise<SessionRecord[]> {
    const matching: number[] = [];
    for (const slot of this.boundSlots) {
      const text = this.strings.text(this.binding[slot] as number);
      if (text?.startsWith(prefix)) matching.push(slot);
    }
    matching.sort((a, b) => (this.number[a] as number) - (this.number[b] as number));
    const taken: SessionRecord[] = [];
    for (const slot of matching) {
      taken.push(this.record(slot));
      this.deleteSlot(slot);
    }
    return taken;
  }

  async listSessions(filter: SessionFilter, after: number | null, limit: number): Promise<SessionPage> {
    if (limit <= 0) return { sessions: [], nextAfter: null };
    const match = this.matcher(filter);
    if (match === null) return { sessions: [], nextAfter: null };
    const slots: number[] = [];
    let more = false;
    if (filter.userName !== undefined) {
      // Few sessions per user: gather them, then order.
      const user = this.userNames.find(filter.userName);
      const found: number[] = [];
      for (let slot = this.userHead[user] ?? -1; slot >= 0; slot = this.userNext[slot] as number) {
        if (match(slot) && (after === null || (this.number[slot] as number) > after)) found.push(slot);
      }
      found.sort((a, b) => (this.number[a] as number) - (this.number[b] as number));
      more = found.length > limit;
      slots.push(...found.slice(0, limit));
    } else {
      for (let i = after === null ? 0 : this.orderAfter(after); i < this.orderLength; i++) {
        const slot = this.orderSlot[i] as number;
        if (slot < 0 || !match(slot)) continue;
        if (slots.length === limit) {
          more = true;
          break;
        }
        slots.push(slot);
      }
    }
    const sessions = slots.map((slot) => this.record(slot));
    const last = sessions[sessions.length - 1];
    return { sessions, nextAfter: more && last ? last.number : null };
  }

  async countSessions(filter: SessionFilter): Promise<number> {
    const { realm, userName, protocol } = filter;
    if (realm === undefined && userName === undefined && protocol === undefined) return this.live;
    const match = this.matcher(filter);
    if (match === null) return 0;
    if (userName !== undefined) {
      const user = this.userNames.find(userName);
      if (realm === undefined && protocol === undefined) return this.userNames.count(user);
      let count = 0;
      for (let slot = this.userHead[user] ?? -1; slot >= 0; slot = this.userNext[slot] as number) {
        if (match(slot)) count++;
      }
      return count;
    }
    if (protocol === undefined) return this.realms.count(this.realms.find(realm as string));
    if (realm === undefined) return this.protocolCounts[this.protocols.indexOf(protocol)] ?? 0;
    let count = 0;
    for (let slot = 0; slot < this.slotTop; slot++) if (match(slot)) count++;
    return count;
  }

  // --- Session attributes --------------------------------------------------------------------------

  async getAttribute(sessionKey: string, name: string): Promise<string | null> {
    const slot = this.slotByKey(sessionKey);
    if (slot < 0) return null;
    return this.attributes.get(slot)?.values.get(name) ?? null;
  }

  async putAttributes(
    sessionKey: string,
    entries: readonly AttributeEntry[],
    limits: AttributeLimits,
  ): Promise<PutAttributeResult> {
    const slot = this.slotByKey(sessionKey);
    if (slot < 0) return "no-session";
    const set = this.attributes.get(slot);
    const writes = new Map(entries);
    let count = set?.values.size ?? 0;
    let bytes = set?.bytes ?? 0;
    for (const [name, value] of writes) {
      const old = set?.values.get(name);
      if (old === undefined) count += 1;
      else bytes -= utf8Bytes(name) + utf8Bytes(old);
      bytes += utf8Bytes(name) + utf8Bytes(value);
    }
    if (count > limits.maxCount || bytes > limits.maxTotalBytes) return "limit";
    if (writes.size === 0) return "ok";
    const values = set?.values ?? new Map<string, string>();
    for (const [name, value] of writes) values.set(name, value);
    if (set) set.bytes = bytes;
    else this.attributes.set(slot, { values, bytes });
    return "ok";
  }

  async deleteAttribute(sessionKey: string, name: string): Promise<boolean> {
    const slot = this.slotByKey(sessionKey);
    if (slot < 0) return false;
    const set = this.attributes.get(slot);
    const old = set?.values.get(name);
    if (!set || old === undefined) return false;
    set.values.delete(name);
    set.bytes -= utf8Bytes(name) + utf8Bytes(old);
    if (set.values.size === 0) this.attributes.delete(slot);
    return true;
  }

  async listAttributes(sessionKey: string): Promise<Record<string, string>> {
    const all: Record<string, string> = {};
    const slot = this.slotByKey(sessionKey);
    if (slot < 0) return all;
    const set = this.attributes.get(slot);
    if (set) for (const [name, value] of set.values) setOwn(all, name, value);
    return all;
  }

  // --- Directory -----------------------------------------------------------------------------------

  async getRealm(name: string): Promise<Realm | null> {
    const realm = this.realmsByName.get(name);
    return realm ? copyRealm(realm) : null;
  }

  async getRealmById(id: string): Promise<Realm | null> {
    const name = this.realmNamesById.get(id);
    return name === undefined ? null : this.getRealm(name);
  }

  async listRealms(): Promise<Realm[]> {
    return [...this.realmsByName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(copyRealm);
  }

  async putRealm(realm: Realm): Promise<void> {
    const holder = this.realmNamesById.get(realm.id);
    if (holder !== undefined && holder !== realm.name) throw alreadyExists("A realm with this id");
    const old = this.realmsByName.get(realm.name);
    if (old && old.id !== realm.id) this.realmNamesById.delete(old.id);
    this.realmsByName.set(realm.name, copyRealm(realm));
    this.realmNamesById.set(realm.id, realm.name);
  }

  async getUser(realm: string, name: string): Promise<User | null> {
    const user = this.directories.get(realm)?.users.get(name);
    return user ? copyUser(user) : null;
  }

  async getUserByNumber(realm: string, number: number): Promise<User | null> {
    const directory = this.directories.get(realm);
    const name = directory?.userNames.get(number);
    const user = name === undefined ? undefined : directory?.users.get(name);
    return user ? copyUser(user) : null;
  }

  async listUsers(realm: string): Promise<User[]> {
    const users = [...(this.directories.get(realm)?.users.values() ?? [])];
    return users.sort((a, b) => a.number - b.number).map(copyUser);
  }

  async putUser(user: User): Promise<void> {
    const directory = this.directory(user.realm);
    const holder = directory.userNames.get(user.number);
    if (holder !== undefined && holder !== user.name) throw alreadyExists("A user with this number");
    const old = directory.users.get(user.name);
    if (old && old.number !== user.number) directory.userNames.delete(old.number);
    directory.users.set(user.name, copyUser(user));
    directory.userNames.set(user.number, user.name);
  }

  async deleteUser(realm: string, name: string): Promise<boolean> {
    const directory = this.directories.get(realm);
    const user = directory?.users.get(name);
    if (!directory || !user) return false;
    directory.users.delete(name);
    directory.userNames.delete(user.number);
    return true;
  }

  async getGroup(realm: string, name: string): Promise<Group | null> {
    const group = this.directories.get(realm)?.groups.get(name);
    return group ? copyGroup(group) : null;
  }

  async listGroups(realm: string): Promise<Group[]> {
    const groups = [...(this.directories.get(realm)?.groups.values() ?? [])];
    return groups.sort((a, b) => a.number - b.number).map(copyGroup);
  }

  async putGroup(group: Group): Promise<void> {
    const directory = this.directory(group.realm);
    const holder = directory.groupNames.get(group.number);
    if (holder !== undefined && holder !== group.name) throw alreadyExists("A group with this number");
    const old = directory.groups.get(group.name);
    if (old && old.number !== group.number) directory.groupNames.delete(old.number);
    directory.groups.set(group.name, copyGroup(group));
    directory.groupNames.set(group.number, group.name);
  }

  async deleteGroup(realm: string, name: string): Promise<boolean> {
    const directory = this.directories.get(realm);
    const group = directory?.groups.get(name);
    if (!directory || !group) return false;
    directory.groups.delete(name);
    directory.groupNames.delete(group.number);
    return true;
  }

  // --- Tickets -------------------------------------------------------------------------------------

  async insertTicket(ticket: TicketRecord): Promise<void> {
    if (this.tickets.has(ticket.digest)) throw alreadyExists("A ticket with this digest");
    this.tickets.set(ticket.digest, { ...ticket });
  }

  async takeTicket(digest: string, kind: TicketKind, now: number): Promise<TicketRecord | null> {
    const ticket = this.tickets.get(digest);
    if (!ticket) return null;
    if (ticket.expiresAt <= now) {
      this.tickets.delete(digest);
      return null;
    }
    if (ticket.kind !== kind) return null;
    this.tickets.delete(digest);
    return { ...ticket };
  }

  async deleteExpiredTickets(now: number): Promise<number> {
    let deleted = 0;
    for (const [digest, ticket] of this.tickets) {
      if (ticket.expiresAt <= now) {
        this.tickets.delete(digest);
        deleted++;
      }
    }
    return deleted;
  }

  // --- Settings and audit --------------------------------------------------------------------------

  async getSetting(name: string): Promise<unknown> {
    const json = this.settings.get(name);
    return json === undefined ? null : JSON.parse(json);
  }

  async putSetting(name: string, value: unknown): Promise<void> {
    this.settings.set(name, JSON.stringify(value) ?? "null");
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push({ ...entry, id: this.audit.length + 1 });
  }

  async listAudit(after: number | null, limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const start = after === null ? 0 : Math.max(0, Math.floor(after));
    return this.audit.slice(start, start + limit).map((entry) => ({ ...entry }));
  }

  async close(): Promise<void> {}

  // --- Session internals ---------------------------------------------------------------------------

  private record(slot: number): SessionRecord {
    const flags = this.flags[slot] as number;
    return {
      key: flags & FLAG_SIDE_KEY ? (this.sideKeys.get(slot) as string) : formatUuid(this.keyWords, slot * KEY_WORDS),
      number: this.number[slot] as number,
      secretDigest:
        flags & FLAG_SIDE_DIGEST
          ? (this.sideDigests.get(slot) as string)
          : formatDigest(this.digestWords, slot * DIGEST_WORDS),
      realm: this.realms.text(this.realm[slot] as number) as string,
      userName: this.userNames.text(this.userName[slot] as number),
      impersonatedBy: this.strings.text(this.impersonatedBy[slot] as number),
      protocol: this.protocols[this.protocol[slot] as number] as Protocol,
      createdAt: this.createdAt[slot] as number,
      loginAt: orNull(this.loginAt[slot] as number),
      lastActiveAt: this.lastActiveAt[slot] as number,
      userActiveAt: orNull(this.userActiveAt[slot] as number),
      callCount: this.callCount[slot] as number,
      locale: this.strings.text(this.locale[slot] as number) as string,
      messageLocale: this.strings.text(this.messageLocale[slot] as number) as string,
      client: this.clients.copy(this.client[slot] as number),
      idleTimeoutMs: orNull(this.idleTimeoutMs[slot] as number),
      idleTimeoutChosen: (flags & FLAG_IDLE_CHOSEN) !== 0,
      expiresAt: orNull(this.expiresAt[slot] as number),
      binding: bindingFromText(this.strings.text(this.binding[slot] as number)),
    };
  }

  private slotByKey(key: string): number {
    if (parseUuid(key, this.probe)) return this.byKey.find(this.probe);
    return this.sideKeySlots.get(key) ?? -1;
  }

  private slotByDigest(digest: string): number {
    if (parseDigest(digest, this.probe)) return this.byDigest.find(this.probe);
    return this.sideDigestSlots.get(digest) ?? -1;
  }

  private allocateSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.slotTop === this.capacity) this.ensureCapacity(this.capacity * 2);
    return this.slotTop++;
  }

  private ensureCapacity(capacity: number): void {
    this.capacity = capacity;
    this.number = grown(this.number, capacity);
    this.createdAt = grown(this.createdAt, capacity);
    this.loginAt = grown(this.loginAt, capacity);
    this.lastActiveAt = grown(this.lastActiveAt, capacity);
    this.userActiveAt = grown(this.userActiveAt, capacity);
    this.callCount = grown(this.callCount, capacity);
    this.idleTimeoutMs = grown(this.idleTimeoutMs, capacity);
    this.expiresAt = grown(this.expiresAt, capacity);
    this.realm = grown(this.realm, capacity);
    this.userName = grown(this.userName, capacity);
    this.impersonatedBy = grown(this.impersonatedBy, capacity);
    this.locale = grown(this.locale, capacity);
    this.messageLocale = grown(this.messageLocale, capacity);
    this.client = grown(this.client, capacity);
    this.binding = grown(this.binding, capacity);
    this.protocol = grown(this.protocol, capacity);
    this.flags = grown(this.flags, capacity);
    this.keyWords = grown(this.keyWords, capacity * KEY_WORDS);
    this.digestWords = grown(this.digestWords, capacity * DIGEST_WORDS);
    this.userNext = grown(this.userNext, capacity);
    this.userPrev = grown(this.userPrev, capacity);
    this.heapPos = grown(this.heapPos, capacity);
    this.heapKey = grown(this.heapKey, capacity);
  }

  private deleteSlot(slot: number): void {
    const flags = this.flags[slot] as number;
    if (flags & FLAG_SIDE_KEY) {
      this.sideKeySlots.delete(this.sideKeys.get(slot) as string);
      this.sideKeys.delete(slot);
    } else {
      this.byKey.remove(slot);
    }
    if (flags & FLAG_SIDE_DIGEST) {
      this.sideDigestSlots.delete(this.sideDigests.get(slot) as string);
      this.sideDigests.delete(slot);
    } else {
      this.byDigest.remove(slot);
    }
    if (flags & FLAG_BOUND) this.boundSlots.delete(slot);
    this.orderRemove(this.number[slot] as number);
    this.heapRemove(slot);
    this.setUserName(slot, null);
    this.realms.release(this.realm[slot] as number);
    this.strings.release(this.impersonatedBy[slot] as number);
    this.strings.release(this.locale[slot] as number);
    this.strings.release(this.messageLocale[slot] as number);
    this.strings.release(this.binding[slot] as number);
    this.clients.release(this.client[slot] as number);
    const protocol = this.protocol[slot] as number;
    this.protocolCounts[protocol] = (this.protocolCounts[protocol] ?? 1) - 1;
    this.realm[slot] = 0;
    this.impersonatedBy[slot] = 0;
    this.locale[slot] = 0;
    this.messageLocale[slot] = 0;
    this.binding[slot] = 0;
    this.client[slot] = 0;
    this.flags[slot] = 0;
    this.attributes.delete(slot);
    this.freeSlots.push(slot);
    this.live--;
  }

  private protocolId(protocol: string): number {
    let id = this.protocols.indexOf(protocol);
    if (id < 0) {
      if (this.protocols.length === 256) throw new SessionError("INVALID_ARGUMENT", "Too many protocols.");
      id = this.protocols.push(protocol) - 1;
    }
    return id;
  }

  private replaceString(column: Uint32Array, slot: number, text: string | null): void {
    const old = column[slot] as number;
    column[slot] = this.strings.acquire(text);
    this.strings.release(old);
  }

  /** Sets a slot's user name, keeping the per-user lists. */
  private setUserName(slot: number, name: string | null): void {
    const old = this.userName[slot] as number;
    if (old !== 0) {
      if (this.userNames.text(old) === name) return;
      const prev = this.userPrev[slot] as number;
      const next = this.userNext[slot] as number;
      if (prev >= 0) this.userNext[prev] = next;
      else this.userHead[old] = next;
      if (next >= 0) this.userPrev[next] = prev;
      this.userNames.release(old);
    }
    const id = this.userNames.acquire(name);
    this.userName[slot] = id;
    this.userPrev[slot] = -1;
    this.userNext[slot] = -1;
    if (id === 0) return;
    const head = this.userNames.count(id) === 1 ? -1 : (this.userHead[id] ?? -1);
    this.userNext[slot] = head;
    if (head >= 0) this.userPrev[head] = slot;
    this.userHead[id] = slot;
  }

  /** A test for the filter's fields, or null when nothing can match (a string no session holds). */
  private matcher(filter: SessionFilter): ((slot: number) => boolean) | null {
    const realm = filter.realm === undefined ? 0 : this.realms.find(filter.realm);
    const user = filter.userName === undefined ? 0 : this.userNames.find(filter.userName);
    const protocol = filter.protocol === undefined ? -2 : this.protocols.indexOf(filter.protocol);
    if (realm < 0 || user < 0 || protocol === -1) return null;
    return (slot) =>
      ((this.flags[slot] as number) & FLAG_LIVE) !== 0 &&
      (realm === 0 || this.realm[slot] === realm) &&
      (user === 0 || this.userName[slot] === user) &&
      (protocol < 0 || this.protocol[slot] === protocol);
  }

  // --- Number order --------------------------------------------------------------------------------

  /** Index of the first entry whose number is >= `number`. */
  private orderLowerBound(number: number): number {
    let low = 0;
    let high = this.orderLength;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.orderNumber[mid] as number) < number) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Index of the first entry whose number is > `number`. */
  private orderAfter(number: number): number {
    let low = 0;
    let high = this.orderLength;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.orderNumber[mid] as number) <= number) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The live slot with this number, or -1. */
  private orderFind(number: number): number {
    const at = this.orderLowerBound(number);
    return at < this.orderLength && this.orderNumber[at] === number ? (this.orderSlot[at] as number) : -1;
  }

  private orderInsert(number: number, slot: number): void {
    const length = this.orderLength;
    if (length === 0 || (this.orderNumber[length - 1] as number) < number) {
      this.orderMakeRoom();
      this.orderNumber[this.orderLength] = number;
      this.orderSlot[this.orderLength] = slot;
      this.orderLength++;
      return;
    }
    const found = this.orderLowerBound(number);
    if (this.orderNumber[found] === number) {
      // Only a deleted entry can hold it (insertSession checked): revive it.
      this.orderSlot[found] = slot;
      this.orderDead--;
      return;
    }
    this.orderMakeRoom();
    const at = this.orderLowerBound(number);
    this.orderNumber.copyWithin(at + 1, at, this.orderLength);
    this.orderSlot.copyWithin(at + 1, at, this.orderLength);
    this.orderNumber[at] = number;
    this.orderSlot[at] = slot;
    this.orderLength++;
  }

  private orderMakeRoom(): void {
    if (this.orderLength < this.orderNumber.length) return;
    if (this.orderDead * 4 >= this.orderLength) {
      this.orderCompact();
      return;
    }
    this.orderNumber = grown(this.orderNumber, this.orderNumber.length * 2);
    this.orderSlot = grown(this.orderSlot, this.orderSlot.length * 2);
  }

  private orderRemove(number: number): void {
    const at = this.orderLowerBound(number);
    if (at >= this.orderLength || this.orderNumber[at] !== number) return;
    this.orderSlot[at] = -1;
    this.orderDead++;
    if (this.orderDead > 64 && this.orderDead * 2 > this.orderLength) this.orderCompact();
  }

  private orderCompact(): void {
    let kept = 0;
    for (let i = 0; i < this.orderLength; i++) {
      const slot = this.orderSlot[i] as number;
      if (slot < 0) continue;
      this.orderNumber[kept] = this.orderNumber[i] as number;
      this.orderSlot[kept] = slot;
      kept++;
    }
    this.orderLength = kept;
    this.orderDead = 0;
  }

  // --- Deadlines -----------------------------------------------------------------------------------

  /**
   * When a sweep may take the slot: the earlier of `expiresAt` and the idle deadline, the latter moved
   * by the grace when given; Infinity when neither applies. Without a grace, the real deadline.
   */
  private sweepAt(slot: number, grace: ActivityPolicy | undefined): number {
    const expiresAt = this.expiresAt[slot] as number;
    const idle = this.idleTimeoutMs[slot] as number;
    const idleDeadline = Number.isNaN(idle)
      ? Number.POSITIVE_INFINITY
      : (this.lastActiveAt[slot] as number) + idle + (grace ? idleGraceMs(idle, grace) : 0);
    return Number.isNaN(expiresAt) ? idleDeadline : Math.min(expiresAt, idleDeadline);
  }

  /** Puts the slot in the heap at its real deadline, or out of it when it has none. */
  private reindexDeadline(slot: number): void {
    const deadline = this.sweepAt(slot, undefined);
    const at = this.heapPos[slot] as number;
    if (!(deadline < Number.POSITIVE_INFINITY)) {
      this.heapRemove(slot);
      return;
    }
    if (at < 0) {
      if (this.heapLength === this.heap.length) this.heap = grown(this.heap, this.heap.length * 2);
      this.heapKey[slot] = deadline;
      this.heap[this.heapLength] = slot;
      this.heapPos[slot] = this.heapLength;
      this.heapLength++;
      this.siftUp(this.heapLength - 1);
      return;
    }
    const old = this.heapKey[slot] as number;
    this.heapKey[slot] = deadline;
    if (deadline < old) this.siftUp(at);
    else this.siftDown(at);
  }

  private heapRemove(slot: number): void {
    const at = this.heapPos[slot] as number;
    if (at < 0) return;
    this.heapPos[slot] = -1;
    this.heapLength--;
    if (at === this.heapLength) return;
    const moved = this.heap[this.heapLength] as number;
    this.heap[at] = moved;
    this.heapPos[moved] = at;
    this.siftUp(at);
    this.siftDown(this.heapPos[moved] as number);
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const slot = heap[at] as number;
    const key = this.heapKey[slot] as number;
    while (at > 0) {
      const parentAt = (at - 1) >>> 1;
      const parent = heap[parentAt] as number;
      if ((this.heapKey[parent] as number) <= key) break;
      heap[at] = parent;
      this.heapPos[parent] = at;
      at = parentAt;
    }
    heap[at] = slot;
    this.heapPos[slot] = at;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const length = this.heapLength;
    const slot = heap[at] as number;
    const key = this.heapKey[slot] as number;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= length) break;
      const right = child + 1;
      if (
        right < length &&
        (this.heapKey[heap[right] as number] as number) < (this.heapKey[heap[child] as number] as number)
      ) {
        child = right;
      }
      const childSlot = heap[child] as number;
      if ((this.heapKey[childSlot] as number) >= key) break;
      heap[at] = childSlot;
      this.heapPos[childSlot] = at;
      at = child;
    }
    heap[at] = slot;
    this.heapPos[slot] = at;
  }

  // --- Directory internals -------------------------------------------------------------------------

  private directory(realm: string): Directory {
    let directory = this.directories.get(realm);
    if (!directory) {
      directory = { users: new Map(), userNames: new Map(), groups: new Map(), groupNames: new Map() };
      this.directories.set(realm, directory);
    }
    return directory;
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
