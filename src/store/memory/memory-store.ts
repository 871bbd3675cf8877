/**
 * The in-memory store: used by tests, by `--store memory`, and sized to hold a million sessions in
 * about 200 bytes each.
 *
 * Sessions are kept as a struct of arrays indexed by slot, not as objects: numbers and times in
 * `Float64Array`s (NaN stands for null), strings that repeat across sessions (realm, user, locale,
 * client, binding...) interned with reference counts (`string-pool.ts`, `client-pool.ts`) and stored as
 * `Uint32` ids, and the key (a UUID) and secret digest (64 hex characters) stored as their bytes
 * (`key-words.ts`). Lookups go through open-addressing hash tables over slots (`slot-table.ts`: key,
 * digest), a sorted number index (`number-index.ts`: number, and listing in number order) and per-user
 * lists (`user-lists.ts`). A key or digest that is not in canonical lowercase form is kept in a side map
 * instead, so any string round-trips exactly. Freed slots are reused. Expiry uses an indexed binary
 * min-heap of deadlines (`deadline-heap.ts`) that is lazily corrected: activity only ever moves a
 * deadline later, so it leaves the heap alone and a popped entry whose real deadline has moved is pushed
 * down again. Records handed out are always fresh objects.
 *
 * Everything else (attributes, directory, tickets, settings, audit) is ordinary maps holding copies, in
 * a file each; this class answers for them by handing the calls on.
 *
 * All work is synchronous inside the async methods, so every method is atomic.
 *
 * @module
 */

import { bindingFromText, bindingToText } from "../../core/binding.ts";
import { SessionError } from "../../core/errors.ts";
import { type ActivityPolicy, idleGraceMs } from "../../core/session.ts";
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
} from "../../core/store/index.ts";
import type { ActivityDelta, Protocol, SessionRecord } from "../../core/types.ts";
import { alreadyExists } from "./already-exists.ts";
import { SlotAttributes } from "./attributes.ts";
import { ClientPool } from "./client-pool.ts";
import { DeadlineHeap } from "./deadline-heap.ts";
import { MemoryDirectory } from "./directory.ts";
import { grown } from "./grown.ts";
import { DIGEST_WORDS, formatDigest, formatUuid, KEY_WORDS, parseDigest, parseUuid } from "./key-words.ts";
import { MemoryLoginFailures } from "./login-failures.ts";
import { NumberIndex } from "./number-index.ts";
import { MemoryOutbox } from "./outbox.ts";
import { MemorySettings } from "./settings.ts";
import { SlotTable } from "./slot-table.ts";
import { StringPool } from "./string-pool.ts";
import { MemoryTickets } from "./tickets.ts";
import { UserLists } from "./user-lists.ts";

/** NaN stands for null in the number columns. */
function orNaN(value: number | null | undefined): number {
  return value === null || value === undefined ? Number.NaN : value;
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

const FLAG_SIDE_KEY = 1;
const FLAG_SIDE_DIGEST = 2;
const FLAG_LIVE = 4;
const FLAG_BOUND = 8;
const FLAG_IDLE_CHOSEN = 16;

const INITIAL_SLOTS = 1024;

/**
 * What the size estimate counts per session and per audit entry, in bytes: a session's columns and
 * index entries come to about 200 (see the module comment), rounded up for its interned strings.
 */
const ESTIMATED_SESSION_BYTES = 256;
const ESTIMATED_AUDIT_ENTRY_BYTES = 256;

/** The `Store` of one process, in memory. */
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

  // Indexes.
  private readonly byKey = new SlotTable(KEY_WORDS, () => this.keyWords);
  private readonly byDigest = new SlotTable(DIGEST_WORDS, () => this.digestWords);
  private readonly sideKeys = new Map<number, string>();
  private readonly sideKeySlots = new Map<string, number>();
  private readonly sideDigests = new Map<number, string>();
  private readonly sideDigestSlots = new Map<string, number>();
  private readonly boundSlots = new Set<number>();
  private readonly byNumber = new NumberIndex(INITIAL_SLOTS);
  /** The sessions of each user name (by userName id), for per-user filters and caps. */
  private readonly byUser = new UserLists(INITIAL_SLOTS);
  /** The slots of anonymous sessions by client address, for `countAnonymousSessions`. */
  private readonly anonymousByAddress = new Map<string, Set<number>>();
  /** Slots by a deadline never later than their real one (see `takeExpiredSessions`). */
  private readonly deadlines = new DeadlineHeap(INITIAL_SLOTS);
  private readonly probe = new Uint32Array(DIGEST_WORDS);
  private readonly keyProbe = new Uint32Array(KEY_WORDS);

  private lastNumber = 0;
  private readonly attributes = new SlotAttributes();

  // The parts of the contract that are not about sessions, handed on as they come. They are objects
  // held here, not closures, so that all the store holds stays reachable from it (a test searches
  // it all for secrets).
  private readonly directory = new MemoryDirectory();
  private readonly tickets = new MemoryTickets();
  private readonly loginFailures = new MemoryLoginFailures();
  private readonly settings = new MemorySettings();
  private readonly outbox = new MemoryOutbox();
  readonly getRealm: Store["getRealm"] = (name) => this.directory.getRealm(name);
  readonly getRealmById: Store["getRealmById"] = (id) => this.directory.getRealmById(id);
  readonly listRealms: Store["listRealms"] = (after, limit) => this.directory.listRealms(after, limit);
  readonly putRealm: Store["putRealm"] = (realm) => this.directory.putRealm(realm);
  readonly deleteRealm: Store["deleteRealm"] = (name) => this.directory.deleteRealm(name);
  readonly getUser: Store["getUser"] = (realm, name) => this.directory.getUser(realm, name);
  readonly getUserByNumber: Store["getUserByNumber"] = (realm, number) => this.directory.getUserByNumber(realm, number);
  readonly listUsers: Store["listUsers"] = (realm, after, limit) => this.directory.listUsers(realm, after, limit);
  readonly listUsersByName: Store["listUsersByName"] = (realm, prefix, after, limit) =>
    this.directory.listUsersByName(realm, prefix, after, limit);
  readonly putUser: Store["putUser"] = (user) => this.directory.putUser(user);
  readonly deleteUser: Store["deleteUser"] = (realm, name) => this.directory.deleteUser(realm, name);
  readonly getGroup: Store["getGroup"] = (realm, name) => this.directory.getGroup(realm, name);
  readonly listGroups: Store["listGroups"] = (realm, after, limit) => this.directory.listGroups(realm, after, limit);
  readonly listGroupsByName: Store["listGroupsByName"] = (realm, prefix, after, limit) =>
    this.directory.listGroupsByName(realm, prefix, after, limit);
  readonly putGroup: Store["putGroup"] = (group) => this.directory.putGroup(group);
  readonly deleteGroup: Store["deleteGroup"] = (realm, name) => this.directory.deleteGroup(realm, name);
  readonly insertTicket: Store["insertTicket"] = (ticket) => this.tickets.insertTicket(ticket);
  readonly takeTicket: Store["takeTicket"] = (digest, kind, now) => this.tickets.takeTicket(digest, kind, now);
  readonly deleteExpiredTickets: Store["deleteExpiredTickets"] = (now) => this.tickets.deleteExpiredTickets(now);
  readonly getLoginFailures: Store["getLoginFailures"] = (keys) => this.loginFailures.getLoginFailures(keys);
  readonly addLoginFailure: Store["addLoginFailure"] = (keys, now, forgetBefore) =>
    this.loginFailures.addLoginFailure(keys, now, forgetBefore);
  readonly clearLoginFailures: Store["clearLoginFailures"] = (key) => this.loginFailures.clearLoginFailures(key);
  readonly pruneLoginFailures: Store["pruneLoginFailures"] = (before) => this.loginFailures.pruneLoginFailures(before);
  readonly getSetting: Store["getSetting"] = (name) => this.settings.getSetting(name);
  readonly putSetting: Store["putSetting"] = (name, value) => this.settings.putSetting(name, value);
  readonly putSettingIfAbsent: Store["putSettingIfAbsent"] = (name, value) =>
    this.settings.putSettingIfAbsent(name, value);
  readonly listSettingNames: Store["listSettingNames"] = () => this.settings.listSettingNames();
  readonly deleteSetting: Store["deleteSetting"] = (name) => this.settings.deleteSetting(name);
  readonly replaceSettingIf: Store["replaceSettingIf"] = (name, expected, value) =>
    this.settings.replaceSettingIf(name, expected, value);
  readonly appendAudit: Store["appendAudit"] = (entry) => this.settings.appendAudit(entry);
  readonly listAudit: Store["listAudit"] = (after, limit, filter) => this.settings.listAudit(after, limit, filter);
  readonly countAudit: Store["countAudit"] = (kinds, since) => this.settings.countAudit(kinds, since);
  readonly enqueueOutbox: Store["enqueueOutbox"] = (entries) => this.outbox.enqueueOutbox(entries);
  readonly claimOutbox: Store["claimOutbox"] = (now, leaseUntil, limit, claim) =>
    this.outbox.claimOutbox(now, leaseUntil, limit, claim);
  readonly completeOutbox: Store["completeOutbox"] = (id, claim) => this.outbox.completeOutbox(id, claim);
  readonly retryOutbox: Store["retryOutbox"] = (id, claim, dueAt, error) =>
    this.outbox.retryOutbox(id, claim, dueAt, error);
  readonly countOutbox: Store["countOutbox"] = () => this.outbox.countOutbox();

  async getSessionsByKeys(keys: readonly string[]): Promise<SessionRecord[]> {
    const found: SessionRecord[] = [];
    for (const key of new Set(keys)) {
      const slot = this.slotByKey(key);
      if (slot >= 0) found.push(this.record(slot));
    }
    return found;
  }

  async nextSessionNumber(): Promise<number> {
    this.lastNumber = Math.floor(this.lastNumber) + 1;
    return this.lastNumber;
  }

  async reserveSessionNumbers(atLeast: number): Promise<void> {
    if (atLeast > this.lastNumber) this.lastNumber = Math.floor(atLeast);
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

  async getSessionByDigest(secretDigest: string): Promise<SessionRecord | null> {
    const slot = this.slotByDigest(secretDigest);
    return slot < 0 ? null : this.record(slot);
  }

  async getSessionByKey(key: string): Promise<SessionRecord | null> {
    const slot = this.slotByKey(key);
    return slot < 0 ? null : this.record(slot);
  }

  async getSessionByNumber(number: number): Promise<SessionRecord | null> {
    const slot = this.byNumber.find(number);
    return slot < 0 ? null : this.record(slot);
  }

  async updateSession(key: string, patch: SessionPatch): Promise<SessionRecord | null> {
    return this.updateRecord(key, patch);
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
    while (taken.length < limit && this.deadlines.size > 0) {
      const slot = this.deadlines.topSlot();
      if (this.deadlines.keyOf(slot) > now) break;
      const due = this.sweepAt(slot, grace);
      if (due <= now) {
        taken.push(this.record(slot));
        this.deleteSlot(slot);
      } else {
        // Touched since it was indexed (its deadline moved later), or within its grace: look again then.
        // `due` is later than the key it had, so the slot only moves down.
        this.deadlines.set(slot, due);
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
      for (let slot = this.byUser.first(user); slot >= 0; slot = this.byUser.after(slot)) {
        if (match(slot) && (after === null || (this.number[slot] as number) > after)) found.push(slot);
      }
      found.sort((a, b) => (this.number[a] as number) - (this.number[b] as number));
      more = found.length > limit;
      slots.push(...found.slice(0, limit));
    } else {
      for (const slot of this.byNumber.slotsAfter(after)) {
        if (!match(slot)) continue;
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
      for (let slot = this.byUser.first(user); slot >= 0; slot = this.byUser.after(slot)) {
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

  async countAnonymousSessions(ipAddress: string, now: number): Promise<number> {
    let count = 0;
    for (const slot of this.anonymousByAddress.get(ipAddress) ?? []) {
      if (this.sweepAt(slot, undefined) > now) count++;
    }
    return count;
  }

  /** An estimate: sessions and audit entries at a size each, attributes at their UTF-8 bytes. */
  async databaseBytes(): Promise<number> {
    return (
      this.live * ESTIMATED_SESSION_BYTES +
      this.settings.auditEntries * ESTIMATED_AUDIT_ENTRY_BYTES +
      this.attributes.totalBytes
    );
  }

  async getAttribute(sessionKey: string, name: string): Promise<string | null> {
    const slot = this.slotByKey(sessionKey);
    return slot < 0 ? null : this.attributes.get(slot, name);
  }

  async putAttributes(
    sessionKey: string,
    entries: readonly AttributeEntry[],
    limits: AttributeLimits,
  ): Promise<PutAttributeResult> {
    const slot = this.slotByKey(sessionKey);
    return slot < 0 ? "no-session" : this.attributes.put(slot, entries, limits);
  }

  async deleteAttribute(sessionKey: string, name: string): Promise<boolean> {
    const slot = this.slotByKey(sessionKey);
    return slot < 0 ? false : this.attributes.delete(slot, name);
  }

  async listAttributes(sessionKey: string): Promise<Record<string, string>> {
    const slot = this.slotByKey(sessionKey);
    return slot < 0 ? {} : this.attributes.list(slot);
  }

  async close(): Promise<void> {}

  /** The live slots of a user's sessions but `except`, oldest first (by login, then number). */
  private userSlots(realm: string, userName: string | null, except: number): number[] {
    if (userName === null) return [];
    const match = this.matcher({ realm, userName });
    if (match === null) return [];
    const slots: number[] = [];
    const user = this.userNames.find(userName);
    for (let slot = this.byUser.first(user); slot >= 0; slot = this.byUser.after(slot)) {
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
    if (this.byNumber.find(record.number) >= 0) throw alreadyExists("A session with this number");
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
    if (record.userName === null) this.indexAnonymous(slot, true);
    this.byNumber.insert(record.number, slot);
    if (record.number > this.lastNumber) this.lastNumber = record.number;
    this.reindexDeadline(slot);
    this.live++;
  }

  private updateRecord(key: string, patch: SessionPatch): SessionRecord | null {
    const slot = this.slotByKey(key);
    if (slot < 0) return null;
    if (patch.userName !== undefined) {
      const wasAnonymous = this.userName[slot] === 0;
      this.setUserName(slot, patch.userName);
      if (wasAnonymous !== (patch.userName === null)) this.indexAnonymous(slot, patch.userName === null);
    }
    if (patch.secretDigest !== undefined) this.replaceDigest(slot, patch.secretDigest);
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

  /** Files the session under a new secret digest; the old one finds nothing from now on. */
  private replaceDigest(slot: number, digest: string): void {
    const flags = this.flags[slot] as number;
    if (flags & FLAG_SIDE_DIGEST) {
      this.sideDigestSlots.delete(this.sideDigests.get(slot) as string);
      this.sideDigests.delete(slot);
    } else {
      this.byDigest.remove(slot);
    }
    if (parseDigest(digest, this.probe)) {
      this.digestWords.set(this.probe, slot * DIGEST_WORDS);
      this.byDigest.add(slot);
      this.flags[slot] = flags & ~FLAG_SIDE_DIGEST;
    } else {
      this.sideDigests.set(slot, digest);
      this.sideDigestSlots.set(digest, slot);
      this.flags[slot] = flags | FLAG_SIDE_DIGEST;
    }
  }

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
    this.byUser.ensureCapacity(capacity);
    this.deadlines.ensureCapacity(capacity);
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
    if (this.userName[slot] === 0) this.indexAnonymous(slot, false);
    this.byNumber.remove(this.number[slot] as number);
    this.deadlines.remove(slot);
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
    this.attributes.clear(slot);
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

  /** Adds an anonymous session to the index by client address, or takes it out. */
  private indexAnonymous(slot: number, anonymous: boolean): void {
    const address = this.clients.ipAddress(this.client[slot] as number);
    if (address === undefined) return;
    const slots = this.anonymousByAddress.get(address);
    if (anonymous) {
      if (slots) slots.add(slot);
      else this.anonymousByAddress.set(address, new Set([slot]));
    } else if (slots) {
      slots.delete(slot);
      if (slots.size === 0) this.anonymousByAddress.delete(address);
    }
  }

  /** Sets a slot's user name, keeping the per-user lists. */
  private setUserName(slot: number, name: string | null): void {
    const old = this.userName[slot] as number;
    if (old !== 0) {
      if (this.userNames.text(old) === name) return;
      this.byUser.remove(old, slot);
      this.userNames.release(old);
    }
    const id = this.userNames.acquire(name);
    this.userName[slot] = id;
    if (id !== 0) this.byUser.add(id, slot, this.userNames.count(id) === 1);
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
    if (deadline < Number.POSITIVE_INFINITY) this.deadlines.set(slot, deadline);
    else this.deadlines.remove(slot);
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
