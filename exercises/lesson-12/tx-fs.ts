/**
 * Lesson 12 · when the disk says no: I/O errors.
 *
 * Read lessons/lesson-12/README.md first. This is lesson 5's TxFS (a checksummed redo
 * journal on a disk with a write cache), complete and crash-safe. Now the disk can refuse:
 * a write or a flush may throw `IOError` (lib/sim-disk.ts), and a failed flush drops the
 * writes it was to make durable. Every disk write and flush of this file already goes
 * through #write and #flush, which hand any error to #abortOn; #checkWritable guards every
 * operation that would write. Fill in the TODOs below (two tasks), then run
 * `npm run check lesson-12`.
 *
 * Disk layout (block size B, journal of J blocks, N blocks in all), as in lesson 5:
 *   block 0            superblock: sizes, journal generation, next and last txid, CRC-32
 *   blocks 1 .. J      the journal, filled from block 1; a checkpoint empties it
 *   blocks J+1 .. N-1  home: one slot of blocks per file, the first with name and size
 *
 * @example
 * ```ts
 * const disk = new SimDisk({ model: "volatile", sectorSize: 64 });
 * const fs = TxFS.mount(disk);
 * disk.failFlushAfter(0);
 * const tx = fs.begin();
 * tx.write("a.txt", "hello");
 * tx.commit();                      // must throw: the flush failed
 * fs.readOnly;                      // true; fs.begin() now throws, naming the abort
 * TxFS.mount(disk.reboot()).read("a.txt");  // undefined: the failed transaction is absent
 * ```
 */
import crc32 from "crc/calculators/crc32";
import { todo } from "../../lib/todo.ts";
import type { IOError, SimDisk } from "../../lib/sim-disk.ts";

/** Several writes and deletes that land together at commit(), or not at all. */
export interface Transaction {
  write(name: string, data: string): void;
  delete(name: string): void;
  /** The transaction's id; durable and atomic on return. */
  commit(): number;
  abort(): void;
}

export interface TxFSOptions {
  /** Size of the journal when the disk is formatted; 64 by default. A used disk keeps its own. */
  journalBlocks?: number;
}

/** What the last mount's recovery did with the journal it found. */
export interface RecoveryReport {
  /** Transactions that verified and were installed home. */
  readonly replayed: number;
  /** Transactions found in the journal that were not replayed. */
  readonly discarded: number;
  /** One sentence per discarded transaction, starting "transaction <id>: ". */
  readonly reasons: readonly string[];
}

export class TxFS {
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  #files = new Map<string, FileEntry>();
  #generation = 1;
  #nextTxid = 1;
  #lastTxid = 0;
  /** Journal blocks holding committed transactions not yet checkpointed. */
  #used = 0;
  /** Committed home images not yet written home, newest per block. */
  readonly #uninstalled = new Map<number, HomeImage>();
  #open = false;
  #recovery: RecoveryReport = { replayed: 0, discarded: 0, reasons: [] };
  /** The I/O error that aborted the journal; undefined while the file system is writable. */
  #abortedBy: IOError | undefined;

  private constructor(disk: SimDisk, layout: Layout) {
    this.#disk = disk;
    this.#layout = layout;
  }

  /** Formats an empty disk, or recovers a used one from its journal. */
  static mount(disk: SimDisk, options: TxFSOptions = {}): TxFS {
    checkDisk(disk);
    const requested = journalBlocksOption(options);
    const raw = disk.read(SUPERBLOCK);
    const superblock = decodeSuperblock(raw);
    if (superblock === undefined) {
      if (raw.some((byte) => byte !== 0)) throw new Error("block 0 holds no TxFS superblock, and the disk is not empty");
      const fs = new TxFS(disk, computeLayout(disk.blocks, disk.blockSize, requested));
      fs.#writeSuperblock();
      fs.#flush();
      return fs;
    }
    if (superblock.blockSize !== disk.blockSize) {
      throw new RangeError(`this disk was formatted with ${superblock.blockSize}-byte blocks, not ${disk.blockSize}`);
    }
    const fs = new TxFS(disk, computeLayout(disk.blocks, disk.blockSize, superblock.journalBlocks));
    fs.#generation = superblock.generation;
    fs.#nextTxid = superblock.nextTxid;
    fs.#lastTxid = superblock.lastTxid;
    fs.#recover();
    fs.#loadHome();
    return fs;
  }

  /** Opens a transaction; one at a time (several at once are lesson 9's subject). */
  begin(): Transaction {
    this.#checkWritable("begin()");
    if (this.#open) throw new Error("a transaction is already open: commit() or abort() it before begin() again");
    this.#open = true;
    return new OpenTransaction({
      commit: (changes) => this.#commit(changes),
      close: () => (this.#open = false),
      checkRoom: (changes) => this.#checkRoom(changes),
      checkWritable: (what) => this.#checkWritable(what),
    });
  }

  read(name: string): string | undefined {
    checkName(name);
    return this.#files.get(name)?.data;
  }

  list(): string[] {
    return [...this.#files.keys()].sort();
  }

  get journal(): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
    return { usedBlocks: this.#used, capacityBlocks: this.#layout.journalBlocks, lastTxid: this.#lastTxid };
  }

  /** True once an I/O error aborted the journal; only a new mount writes again. */
  get readOnly(): boolean {
    return this.#abortedBy !== undefined;
  }

  get recovery(): RecoveryReport {
    return { ...this.#recovery, reasons: [...this.#recovery.reasons] };
  }

  /** Installs every committed image at home, then empties the journal (a new generation). */
  checkpoint(): void {
    this.#checkWritable("checkpoint()");
    if (this.#used === 0) return;
    this.#installHome();
    // The home writes must be on the media before the superblock forgets the journal:
    // the cache could otherwise deliver the superblock alone and lose both copies.
    this.#flush();
    this.#emptyJournal();
    // Not for safety (the next commit's flush would carry it) but so that a checkpoint
    // is finished when it returns.
    this.#flush();
  }

  /** Writes every committed image not yet at home to its home block (into the cache). */
  #installHome(): void {
    const blocks = [...this.#uninstalled.keys()].sort((a, b) => a - b);
    for (const block of blocks) {
      const image = this.#uninstalled.get(block)!;
      this.#write(block, image.bytes, `home ${block}: ${image.label} (checkpoint)`);
    }
  }

  /** Starts a new journal generation in the superblock: every journal block becomes stale. */
  #emptyJournal(): void {
    this.#generation += 1;
    this.#writeSuperblock();
    this.#used = 0;
    this.#uninstalled.clear();
  }

  #commit(changes: ReadonlyMap<string, string | null>): number {
    const txid = this.#nextTxid;
    const plan = planHomeWrites(this.#layout, this.#files, changes);
    const needed = plan.images.length + 2;
    const room = Math.min(this.#layout.journalBlocks, this.#layout.tagsPerDescriptor + 2);
    if (needed > room) {
      throw new RangeError(`transaction ${txid} needs ${needed} journal blocks, more than the whole journal (${room})`);
    }
    if (needed > this.#layout.journalBlocks - this.#used) this.checkpoint();
    const descriptor = encodeDescriptor(this.#layout, this.#generation, txid, plan.images.map((i) => i.block));
    const checksum = transactionChecksum(descriptor, plan.images.map((i) => i.bytes));
    const start = JOURNAL_FIRST + this.#used;
    this.#write(start, descriptor, `journal: descriptor of tx ${txid} (${plan.images.length} blocks)`);
    plan.images.forEach((image, i) => {
      this.#write(start + 1 + i, image.bytes, `journal: tx ${txid} image of home ${image.block} (${image.label})`);
    });
    const commit = encodeCommit(this.#generation, txid, plan.images.length, checksum);
    this.#write(start + 1 + plan.images.length, commit, `journal: commit block of tx ${txid} (crc ${hex(checksum)})`);
    // One flush for the whole transaction: the checksum, not the order, tells recovery
    // whether every block arrived. Only after the flush may commit() return.
    this.#flush();
    this.#committed(txid, plan, needed);
    return txid;
  }

  /** The bookkeeping of a commit that is durable: reads and the next checkpoint see it. */
  #committed(txid: number, plan: HomePlan, journalBlocks: number): void {
    this.#used += journalBlocks;
    this.#nextTxid = txid + 1;
    this.#lastTxid = txid;
    for (const image of plan.images) this.#uninstalled.set(image.block, image);
    this.#files = plan.files;
  }

  /**
   * Replays the transactions that verify, up to the first that does not: a checkpoint of
   * them, which also empties the journal, so that discarded blocks are never looked at again.
   */
  #recover(): void {
    const scan = scanJournal(this.#disk, this.#layout, this.#generation, this.#nextTxid);
    this.#recovery = { replayed: scan.verified.length, discarded: scan.discarded.length, reasons: scan.discarded.map((d) => d.reason) };
    if (scan.verified.length === 0 && scan.discarded.length === 0) return;
    for (const tx of scan.verified) {
      for (const { home, image } of tx.records) this.#uninstalled.set(home, { block: home, bytes: image, label: `replay of tx ${tx.txid}` });
      this.#lastTxid = tx.txid;
    }
    // Ids seen in discarded transactions may have been handed out: never reuse them.
    this.#nextTxid = Math.max(this.#lastTxid, ...scan.discarded.map((d) => d.txid)) + 1;
    this.#used = Math.max(1, scan.usedBlocks);
    this.checkpoint();
  }

  // -------------------------------------------------------------------------------------
  // The journal abort: the heart of the lesson

  /** A disk write; an I/O error aborts the journal and goes to the caller. */
  #write(block: number, bytes: Uint8Array, label: string): void {
    try {
      this.#disk.write(block, bytes, label);
    } catch (error) {
      throw this.#abortOn(error);
    }
  }

  /**
   * A disk flush; an I/O error aborts the journal and goes to the caller. Never retried:
   * the failed flush may have dropped the cached writes, and a second flush that succeeds
   * would only say that an empty cache reached the disk.
   */
  #flush(): void {
    try {
      this.#disk.flush();
    } catch (error) {
      throw this.#abortOn(error);
    }
  }

  /** What a failed disk write or flush does to the file system; returns the error to throw to the caller. */
  #abortOn(error: unknown): unknown {
    // TODO(lesson-12:abort): #write and #flush call this with whatever the disk threw, and
    // throw what it returns. When the disk refused (an IOError, see isIOError), the journal
    // is aborted: from then on nothing more is written until the next mount, and readOnly is
    // true; the caller gets that IOError (or an error whose cause is it). A power cut
    // (CrashError) is not an I/O error: it goes through as it is. Invariant: no operation
    // returns unless every write it depends on is durable, and remember what a failed flush
    // did to the write cache before you think of trying again. README: "The journal abort",
    // "Why retrying is not enough".
    throw todo("lesson-12:abort");
  }

  /** Throws, naming the abort and its cause, once the journal was aborted. */
  #checkWritable(what: string): void {
    // TODO(lesson-12:read-only): while the journal is not aborted, nothing. After the abort,
    // throw an Error whose message starts with `what` and says that the journal was aborted
    // and the file system is read-only until the next mount, with the IOError as its `cause`.
    // Reads never call this: they keep serving the last committed state. README: "Read-only".
    throw todo("lesson-12:read-only");
  }

  #writeSuperblock(): void {
    const superblock: Superblock = {
      blockSize: this.#layout.blockSize,
      journalBlocks: this.#layout.journalBlocks,
      generation: this.#generation,
      nextTxid: this.#nextTxid,
      lastTxid: this.#lastTxid,
    };
    this.#write(SUPERBLOCK, encodeSuperblock(superblock), `superblock: journal generation ${this.#generation}, next tx ${this.#nextTxid}`);
  }

  #loadHome(): void {
    for (let slot = 0; slot < this.#layout.slots; slot++) {
      const entry = readSlot(this.#disk, this.#layout, slot);
      if (entry) this.#files.set(entry.name, { slot, data: entry.data });
    }
  }

  #checkRoom(changes: ReadonlyMap<string, string | null>): void {
    const names = new Set(this.#files.keys());
    for (const [name, data] of changes) {
      if (data === null) names.delete(name);
      else names.add(name);
    }
    if (names.size > this.#layout.slots) throw new RangeError(`the disk is full: it holds ${this.#layout.slots} files`);
  }
}

interface TransactionHooks {
  commit(changes: ReadonlyMap<string, string | null>): number;
  close(): void;
  checkRoom(changes: ReadonlyMap<string, string | null>): void;
  checkWritable(what: string): void;
}

class OpenTransaction implements Transaction {
  /** name → new contents, or null for a delete; the last change to a name wins. */
  readonly #changes = new Map<string, string | null>();
  readonly #hooks: TransactionHooks;
  #state: "open" | "committed" | "aborted" = "open";

  constructor(hooks: TransactionHooks) {
    this.#hooks = hooks;
  }

  write(name: string, data: string): void {
    this.#checkOpen("write");
    this.#hooks.checkWritable("write()");
    checkName(name);
    checkContents(data);
    this.#hooks.checkRoom(new Map(this.#changes).set(name, data));
    this.#changes.set(name, data);
  }

  delete(name: string): void {
    this.#checkOpen("delete");
    this.#hooks.checkWritable("delete()");
    checkName(name);
    this.#changes.set(name, null);
  }

  commit(): number {
    this.#checkOpen("commit");
    this.#hooks.checkWritable("commit()");
    const txid = this.#hooks.commit(this.#changes);
    this.#state = "committed";
    this.#hooks.close();
    return txid;
  }

  abort(): void {
    this.#checkOpen("abort");
    this.#state = "aborted";
    this.#hooks.close();
  }

  #checkOpen(what: string): void {
    if (this.#state !== "open") throw new Error(`${what}(): this transaction was already ${this.#state}`);
  }
}

// ---------------------------------------------------------------------------------------
// Checksums and the recovery scan: the heart of the lesson

/** CRC-32 over the descriptor and then every image, as one stream of bytes. */
export function transactionChecksum(descriptor: Uint8Array, images: readonly Uint8Array[]): number {
  let crc = crc32(descriptor);
  for (const image of images) crc = crc32(image, crc);
  return crc >>> 0;
}

interface VerifiedTransaction {
  txid: number;
  records: { home: number; image: Uint8Array }[];
}

interface Discarded {
  txid: number;
  reason: string;
}

interface JournalScan {
  verified: VerifiedTransaction[];
  discarded: Discarded[];
  /** Journal blocks the verified transactions fill. */
  usedBlocks: number;
}

/**
 * Reads transactions from the start of the journal while they verify. The first one that
 * does not ends the scan; it and every later transaction of this generation found beyond
 * it are reported as discarded, never replayed.
 */
function scanJournal(disk: SimDisk, layout: Layout, generation: number, firstTxid: number): JournalScan {
  const verified: VerifiedTransaction[] = [];
  let position = 0;
  let txid = firstTxid;
  for (;;) {
    const result = verifyTransaction(disk, layout, generation, txid, position);
    if (result.kind === "end") {
      return { verified, usedBlocks: position, discarded: laterTransactions(disk, layout, generation, txid, position, undefined) };
    }
    if (result.kind === "bad") {
      const first = { txid, reason: `transaction ${txid}: ${result.reason}` };
      return { verified, usedBlocks: position, discarded: laterTransactions(disk, layout, generation, txid, position, first) };
    }
    verified.push(result.tx);
    position += result.tx.records.length + 2;
    txid += 1;
  }
}

type Verification =
  | { kind: "end" }
  | { kind: "bad"; reason: string }
  | { kind: "ok"; tx: VerifiedTransaction };

/** Checks the transaction `txid` expected at `position`: descriptor, commit block, checksum. */
function verifyTransaction(disk: SimDisk, layout: Layout, generation: number, txid: number, position: number): Verification {
  if (position >= layout.journalBlocks) return { kind: "end" };
  const descriptorBytes = disk.read(JOURNAL_FIRST + position);
  const descriptor = decodeDescriptor(layout, descriptorBytes);
  if (descriptor === undefined || descriptor.generation !== generation || descriptor.txid !== txid) return { kind: "end" };
  const count = descriptor.homes.length;
  const commitPosition = position + 1 + count;
  if (commitPosition >= layout.journalBlocks) return { kind: "bad", reason: `its descriptor lists ${count} blocks, past the end of the journal` };
  const commit = decodeCommit(disk.read(JOURNAL_FIRST + commitPosition));
  if (commit === undefined || commit.generation !== generation || commit.txid !== txid || commit.count !== count) {
    return { kind: "bad", reason: "its commit block is missing or does not match its descriptor" };
  }
  const images = descriptor.homes.map((_, i) => disk.read(JOURNAL_FIRST + position + 1 + i));
  const actual = transactionChecksum(descriptorBytes, images);
  if (actual !== commit.checksum) {
    return { kind: "bad", reason: `checksum mismatch: the commit block says ${hex(commit.checksum)}, its blocks give ${hex(actual)} (torn, lost or damaged)` };
  }
  return { kind: "ok", tx: { txid, records: descriptor.homes.map((home, i) => ({ home, image: images[i] })) } };
}

/** The stopping transaction (if known) and every later one of this generation in the journal. */
function laterTransactions(disk: SimDisk, layout: Layout, generation: number, txid: number, position: number, first: Discarded | undefined): Discarded[] {
  const found = new Set<number>();
  for (let p = position; p < layout.journalBlocks; p++) {
    const bytes = disk.read(JOURNAL_FIRST + p);
    const header = decodeDescriptor(layout, bytes) ?? decodeCommit(bytes);
    if (header && header.generation === generation && header.txid >= txid) found.add(header.txid);
  }
  const discarded = first ? [first] : [];
  for (const id of [...found].sort((a, b) => a - b)) {
    if (id === first?.txid) continue;
    const why = id === txid
      ? "its descriptor block is missing or damaged, so its blocks cannot be checked"
      : `it comes after transaction ${txid}, which does not verify, and replay stops at the first that does not`;
    discarded.push({ txid: id, reason: `transaction ${id}: ${why}` });
  }
  return discarded;
}

// ---------------------------------------------------------------------------------------
// Layout, encoding and validation

const SUPERBLOCK = 0;
const JOURNAL_FIRST = 1;
const DEFAULT_JOURNAL_BLOCKS = 64;
const MIN_JOURNAL_BLOCKS = 4;
const MIN_BLOCK_SIZE = 64;
const MAX_FILE_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

const SUPERBLOCK_MAGIC = 0x54585335; // "TXS5"
const DESCRIPTOR_MAGIC = 0x54584435; // "TXD5"
const COMMIT_MAGIC = 0x54584335; // "TXC5"
/** Superblock fields and their CRC: 28 bytes, inside one sector, so never torn. */
const SUPERBLOCK_BYTES = 28;
const DESCRIPTOR_HEADER = 14;
const COMMIT_BYTES = 18;
/** First block of a slot: kind "F", name length, 24 name bytes, size (2 bytes). */
const SLOT_HEADER = 28;
const KIND_FIRST = 0x46; // "F"
const KIND_CONTINUED = 0x43; // "C"

interface Layout {
  blockSize: number;
  journalBlocks: number;
  homeFirst: number;
  slots: number;
  slotBlocks: number;
  tagsPerDescriptor: number;
}

interface FileEntry {
  slot: number;
  data: string;
}

interface HomeImage {
  block: number;
  bytes: Uint8Array;
  label: string;
}

interface Superblock {
  blockSize: number;
  journalBlocks: number;
  generation: number;
  nextTxid: number;
  lastTxid: number;
}

function computeLayout(blocks: number, blockSize: number, journalBlocks: number): Layout {
  if (blockSize < MIN_BLOCK_SIZE) throw new RangeError(`TxFS needs blocks of at least ${MIN_BLOCK_SIZE} bytes, not ${blockSize}`);
  const homeFirst = JOURNAL_FIRST + journalBlocks;
  const slotBlocks = 1 + Math.max(0, Math.ceil((MAX_FILE_BYTES - (blockSize - SLOT_HEADER)) / (blockSize - 1)));
  const slots = Math.floor((blocks - homeFirst) / slotBlocks);
  if (slots < 1) throw new RangeError(`a ${journalBlocks}-block journal leaves no room for files on a ${blocks}-block disk`);
  const tagsPerDescriptor = Math.floor((blockSize - DESCRIPTOR_HEADER) / 4);
  // One descriptor block lists a whole transaction: a larger journal could hold a
  // transaction that no descriptor can describe, and commit() would refuse it.
  if (journalBlocks > tagsPerDescriptor + 2) {
    throw new RangeError(`a ${journalBlocks}-block journal is larger than one transaction can fill: at most ${tagsPerDescriptor + 2} with ${blockSize}-byte blocks`);
  }
  return { blockSize, journalBlocks, homeFirst, slots, slotBlocks, tagsPerDescriptor };
}

interface HomePlan {
  images: HomeImage[];
  files: Map<string, FileEntry>;
}

/** The home images that make `changes` true (one per block, the last wins), and the files after them. */
function planHomeWrites(layout: Layout, files: ReadonlyMap<string, FileEntry>, changes: ReadonlyMap<string, string | null>): HomePlan {
  const next = new Map(files);
  const images = new Map<number, HomeImage>();
  for (const [name, data] of changes) {
    const current = next.get(name);
    if (data === null) {
      if (!current) continue;
      next.delete(name);
      const block = slotBlock(layout, current.slot, 0);
      images.set(block, { block, bytes: new Uint8Array(layout.blockSize), label: `${name} deleted` });
      continue;
    }
    const slot = current?.slot ?? freeSlot(layout, next);
    next.set(name, { slot, data });
    for (const image of encodeFile(layout, slot, name, data)) images.set(image.block, image);
  }
  return { images: [...images.values()], files: next };
}

function freeSlot(layout: Layout, files: ReadonlyMap<string, FileEntry>): number {
  const taken = new Set([...files.values()].map((f) => f.slot));
  for (let slot = 0; slot < layout.slots; slot++) if (!taken.has(slot)) return slot;
  throw new RangeError(`the disk is full: it holds ${layout.slots} files`);
}

function encodeFile(layout: Layout, slot: number, name: string, data: string): HomeImage[] {
  const bytes = ENCODER.encode(data);
  const first = new Uint8Array(layout.blockSize);
  const nameBytes = ENCODER.encode(name);
  first[0] = KIND_FIRST;
  first[1] = nameBytes.length;
  first.set(nameBytes, 2);
  new DataView(first.buffer).setUint16(26, bytes.length);
  const inFirst = Math.min(bytes.length, layout.blockSize - SLOT_HEADER);
  first.set(bytes.subarray(0, inFirst), SLOT_HEADER);
  const images: HomeImage[] = [{ block: slotBlock(layout, slot, 0), bytes: first, label: `${name}, first block` }];
  for (let offset = inFirst, i = 1; offset < bytes.length; offset += layout.blockSize - 1, i++) {
    const block = new Uint8Array(layout.blockSize);
    block[0] = KIND_CONTINUED;
    block.set(bytes.subarray(offset, offset + layout.blockSize - 1), 1);
    images.push({ block: slotBlock(layout, slot, i), bytes: block, label: `${name}, block ${i + 1}` });
  }
  return images;
}

function readSlot(disk: SimDisk, layout: Layout, slot: number): { name: string; data: string } | undefined {
  const first = disk.read(slotBlock(layout, slot, 0));
  if (first[0] !== KIND_FIRST) return undefined;
  const name = DECODER.decode(first.subarray(2, 2 + first[1]));
  const size = new DataView(first.buffer).getUint16(26);
  const bytes = new Uint8Array(size);
  const inFirst = Math.min(size, layout.blockSize - SLOT_HEADER);
  bytes.set(first.subarray(SLOT_HEADER, SLOT_HEADER + inFirst));
  for (let offset = inFirst, i = 1; offset < size; offset += layout.blockSize - 1, i++) {
    const block = disk.read(slotBlock(layout, slot, i));
    bytes.set(block.subarray(1, 1 + Math.min(layout.blockSize - 1, size - offset)), offset);
  }
  return { name, data: DECODER.decode(bytes) };
}

function slotBlock(layout: Layout, slot: number, index: number): number {
  return layout.homeFirst + slot * layout.slotBlocks + index;
}

function encodeSuperblock(s: Superblock): Uint8Array {
  const bytes = new Uint8Array(SUPERBLOCK_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SUPERBLOCK_MAGIC);
  view.setUint32(4, s.blockSize);
  view.setUint32(8, s.journalBlocks);
  view.setUint32(12, s.generation);
  view.setUint32(16, s.nextTxid);
  view.setUint32(20, s.lastTxid);
  view.setUint32(24, crc32(bytes.subarray(0, 24)) >>> 0);
  return bytes;
}

function decodeSuperblock(bytes: Uint8Array): Superblock | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (view.getUint32(0) !== SUPERBLOCK_MAGIC) return undefined;
  if (view.getUint32(24) !== crc32(bytes.subarray(0, 24)) >>> 0) throw new Error("the TxFS superblock fails its checksum");
  return { blockSize: view.getUint32(4), journalBlocks: view.getUint32(8), generation: view.getUint32(12), nextTxid: view.getUint32(16), lastTxid: view.getUint32(20) };
}

function encodeDescriptor(layout: Layout, generation: number, txid: number, homes: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(layout.blockSize);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, DESCRIPTOR_MAGIC);
  view.setUint32(4, generation);
  view.setUint32(8, txid);
  view.setUint16(12, homes.length);
  homes.forEach((home, i) => view.setUint32(DESCRIPTOR_HEADER + 4 * i, home));
  return bytes;
}

function decodeDescriptor(layout: Layout, bytes: Uint8Array): { generation: number; txid: number; homes: number[] } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (view.getUint32(0) !== DESCRIPTOR_MAGIC) return undefined;
  const count = view.getUint16(12);
  if (count > layout.tagsPerDescriptor) return undefined;
  const homes = Array.from({ length: count }, (_, i) => view.getUint32(DESCRIPTOR_HEADER + 4 * i));
  return { generation: view.getUint32(4), txid: view.getUint32(8), homes };
}

function encodeCommit(generation: number, txid: number, count: number, checksum: number): Uint8Array {
  const bytes = new Uint8Array(COMMIT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, COMMIT_MAGIC);
  view.setUint32(4, generation);
  view.setUint32(8, txid);
  view.setUint16(12, count);
  view.setUint32(14, checksum);
  return bytes;
}

function decodeCommit(bytes: Uint8Array): { generation: number; txid: number; count: number; checksum: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (view.getUint32(0) !== COMMIT_MAGIC) return undefined;
  return { generation: view.getUint32(4), txid: view.getUint32(8), count: view.getUint16(12), checksum: view.getUint32(14) };
}

/** The disk's IOError, also one from another copy of sim-disk.ts (it is named, not only classed). */
function isIOError(error: unknown): error is IOError {
  return error instanceof Error && error.name === "IOError";
}

function hex(value: number): string {
  return value.toString(16).padStart(8, "0");
}

function checkDisk(disk: SimDisk): void {
  const d = disk as Partial<SimDisk> | null | undefined;
  if (typeof d?.read !== "function" || typeof d.write !== "function" || typeof d.flush !== "function" || !Number.isInteger(d.blockSize)) {
    throw new TypeError("TxFS.mount() needs a SimDisk");
  }
}

function journalBlocksOption(options: TxFSOptions): number {
  if (typeof options !== "object" || options === null) throw new TypeError("TxFS.mount() options must be an object");
  const value = options.journalBlocks ?? DEFAULT_JOURNAL_BLOCKS;
  if (typeof value !== "number") throw new TypeError(`journalBlocks must be a number, not ${typeof value}`);
  if (!Number.isInteger(value) || value < MIN_JOURNAL_BLOCKS) {
    throw new RangeError(`journalBlocks must be a whole number of at least ${MIN_JOURNAL_BLOCKS}, not ${value}`);
  }
  return value;
}

function checkName(name: string): void {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, not ${typeof name}`);
  if (!NAME.test(name)) throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1-24 of A-Z a-z 0-9 . _ -`);
}

function checkContents(data: string): void {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, not ${typeof data}`);
  const bytes = ENCODER.encode(data).length;
  if (bytes > MAX_FILE_BYTES) throw new RangeError(`file contents of ${bytes} bytes are over the ${MAX_FILE_BYTES}-byte limit`);
}
