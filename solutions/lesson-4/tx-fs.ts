/**
 * Lesson 4 · journaling with transaction IDs and checkpoints (reference solution).
 *
 * A TxFS keeps small files on a SimDisk and changes them only through transactions.
 * A commit writes the transaction's new home-block images into a circular journal,
 * behind a descriptor block, and then a commit block carrying the transaction id: that
 * one write is the moment the transaction happens. Checkpointing copies committed images
 * to their home blocks and then advances the journal's start in the journal superblock.
 * Recovery scans from that start, accepts only blocks carrying the next expected id, and
 * replays the complete transactions in id order; stale blocks from an earlier lap of the
 * journal carry older ids, so the scan stops at them.
 *
 * Disk layout (block size B, journal of J blocks, N blocks in all):
 *   block 0            journal superblock: journal size, start position, next txid
 *   blocks 1 .. J      the journal, used as a ring of positions 0 .. J-1
 *   blocks J+1 .. N-1  the home region: directory blocks, then one slot of blocks per file
 * Every home block begins with a kind byte ("D" or "F") and every journal header with
 * the magic "JRNL", so no home image copied into the journal can pass for a header
 * (jbd2 gets the same guarantee by escaping its magic number in data blocks).
 *
 * @example
 * ```ts
 * const fs = TxFS.mount(new SimDisk());
 * const tx = fs.begin();
 * tx.write("b.txt", fs.read("a.txt") ?? "");
 * tx.delete("a.txt");               // a rename: both changes land, or neither
 * const id = tx.commit();           // durable and atomic on return
 * fs.journal;                       // { usedBlocks: 4, capacityBlocks: 64, lastTxid: id }
 * fs.checkpoint();                  // home blocks written, journal empty again
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";

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

export class TxFS {
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  /** The committed files, as reads see them. */
  #files = new Map<string, FileEntry>();
  /** Journal position of the oldest transaction not yet checkpointed. */
  #start = 0;
  /** Journal position the next journal block goes to. */
  #head = 0;
  /** Journal blocks from #start to #head. */
  #used = 0;
  /** The id the next commit takes. */
  #nextTxid = 1;
  /** Committed home images not yet written home, newest per home block. */
  readonly #uninstalled = new Map<number, HomeImage>();
  #open: OpenTransaction | undefined;

  private constructor(disk: SimDisk, layout: Layout) {
    this.#disk = disk;
    this.#layout = layout;
  }

  /** Formats an empty disk, or recovers a used one from its journal. */
  static mount(disk: SimDisk, options: TxFSOptions = {}): TxFS {
    checkDisk(disk);
    const requested = journalBlocksOption(options);
    const block0 = disk.read(SUPERBLOCK);
    const superblock = decodeSuperblock(block0);
    if (superblock === undefined) {
      if (block0.some((byte) => byte !== 0)) throw new Error("this disk holds something other than a TxFS: use a blank disk");
      const fs = new TxFS(disk, computeLayout(disk.blocks, disk.blockSize, requested));
      fs.#writeSuperblock();
      return fs;
    }
    if (superblock.blockSize !== disk.blockSize) {
      throw new RangeError(`this disk was formatted with ${superblock.blockSize}-byte blocks, not ${disk.blockSize}`);
    }
    const fs = new TxFS(disk, computeLayout(disk.blocks, disk.blockSize, superblock.journalBlocks));
    fs.#recover(superblock);
    fs.#loadHome();
    return fs;
  }

  /** Opens a transaction; one at a time (several at once are lesson 9's subject). */
  begin(): Transaction {
    if (this.#open !== undefined) {
      throw new Error("a transaction is already open: commit() or abort() it before begin() again");
    }
    const tx = new OpenTransaction({
      commit: (changes) => this.#commit(changes),
      close: () => (this.#open = undefined),
      checkRoom: (changes) => this.#checkRoom(changes),
    });
    this.#open = tx;
    return tx;
  }

  read(name: string): string | undefined {
    checkName(name);
    return this.#files.get(name)?.data;
  }

  list(): string[] {
    return [...this.#files.keys()].sort();
  }

  get journal(): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
    return { usedBlocks: this.#used, capacityBlocks: this.#layout.journalBlocks, lastTxid: this.#nextTxid - 1 };
  }

  /** Installs every committed image at home, then frees the journal by moving its start. */
  checkpoint(): void {
    if (this.#used === 0) return;
    const blocks = [...this.#uninstalled.keys()].sort((a, b) => a - b);
    for (const block of blocks) {
      const image = this.#uninstalled.get(block)!;
      this.#disk.write(block, image.bytes, `home: ${image.label} (checkpoint)`);
    }
    // Only once every image is home may the journal forget them: until this write,
    // a crash leaves the old start, and recovery simply installs them again.
    this.#start = this.#head;
    this.#used = 0;
    this.#uninstalled.clear();
    this.#writeSuperblock();
  }

  #commit(changes: ReadonlyMap<string, string | null>): number {
    const txid = this.#nextTxid;
    const plan = planHomeWrites(this.#layout, this.#files, changes);
    const body = journalBody(this.#layout, txid, plan.images);
    const needed = body.length + 1;
    if (needed > this.#layout.journalBlocks) {
      throw new RangeError(
        `transaction ${txid} needs ${needed} journal blocks, more than the whole journal (${this.#layout.journalBlocks})`,
      );
    }
    if (needed > this.#layout.journalBlocks - this.#used) this.checkpoint();
    for (const block of body) this.#append(block.bytes, block.label);
    // The commit block goes last, after every record is durable: it alone decides.
    this.#append(encodeCommit(txid, Date.now()), `journal: commit of tx ${txid}`);
    this.#nextTxid = txid + 1;
    for (const image of plan.images) this.#uninstalled.set(image.block, image);
    this.#files = plan.files;
    return txid;
  }

  /** Scans the journal from its start, replays complete transactions in id order, truncates. */
  #recover(superblock: Superblock): void {
    const capacity = this.#layout.journalBlocks;
    const committed: ScannedTransaction[] = [];
    let records: JournalRecord[] = [];
    let position = superblock.start;
    let end = superblock.start;
    let expected = superblock.sequence;
    for (let scanned = 0; scanned < capacity; ) {
      const header = decodeJournalHeader(this.#disk.read(this.#journalBlock(position)));
      // A block of another id is from an earlier lap (or never written): the log ends here.
      if (header === undefined || header.txid !== expected) break;
      if (header.kind === "descriptor") {
        if (scanned + 1 + header.homeBlocks.length > capacity) break;
        header.homeBlocks.forEach((home, i) => records.push({ home, position: this.#wrap(position + 1 + i) }));
        scanned += 1 + header.homeBlocks.length;
        position = this.#wrap(position + 1 + header.homeBlocks.length);
      } else {
        committed.push({ txid: expected, records });
        records = [];
        scanned += 1;
        position = this.#wrap(position + 1);
        end = position;
        expected += 1;
      }
    }
    for (const tx of committed) this.#replay(tx);
    this.#start = this.#head = end;
    this.#nextTxid = expected;
    if (committed.length > 0) this.#writeSuperblock();
  }

  #replay(tx: ScannedTransaction): void {
    for (const record of tx.records) {
      const image = this.#disk.read(this.#journalBlock(record.position));
      this.#disk.write(record.home, image, `home: ${describeHomeBlock(this.#layout, record.home)} (replay of tx ${tx.txid})`);
    }
  }

  /** Writes one block at the journal's head and advances the head, wrapping at the end. */
  #append(bytes: Uint8Array, label: string): void {
    this.#disk.write(this.#journalBlock(this.#head), bytes, label);
    this.#head = this.#wrap(this.#head + 1);
    this.#used += 1;
  }

  #writeSuperblock(): void {
    const superblock: Superblock = {
      blockSize: this.#layout.blockSize,
      journalBlocks: this.#layout.journalBlocks,
      start: this.#start,
      sequence: this.#nextTxid,
    };
    this.#disk.write(SUPERBLOCK, encodeSuperblock(superblock), `journal superblock: journal starts at block ${this.#journalBlock(this.#start)}, next tx ${this.#nextTxid}`);
  }

  /** Reads the directory and every file from the home region. */
  #loadHome(): void {
    const { dirBlocks, homeFirst } = this.#layout;
    for (let d = 0; d < dirBlocks; d++) {
      for (const entry of decodeDirectory(this.#layout, this.#disk.read(homeFirst + d), d)) {
        this.#files.set(entry.name, { slot: entry.slot, data: this.#readData(entry.slot, entry.size) });
      }
    }
  }

  #readData(slot: number, size: number): string {
    const bytes = new Uint8Array(size);
    const perBlock = this.#layout.blockSize - 1;
    for (let i = 0; i * perBlock < size; i++) {
      const block = this.#disk.read(dataBlock(this.#layout, slot, i));
      bytes.set(block.subarray(1, 1 + Math.min(perBlock, size - i * perBlock)), i * perBlock);
    }
    return DECODER.decode(bytes);
  }

  /** Throws a RangeError when the files after `changes` would not fit the home region. */
  #checkRoom(changes: ReadonlyMap<string, string | null>): void {
    const names = new Set(this.#files.keys());
    for (const [name, data] of changes) {
      if (data === null) names.delete(name);
      else names.add(name);
    }
    if (names.size > this.#layout.slots) {
      throw new RangeError(`the disk is full: it holds ${this.#layout.slots} files`);
    }
  }

  #journalBlock(position: number): number {
    return JOURNAL_FIRST + position;
  }

  #wrap(position: number): number {
    return position % this.#layout.journalBlocks;
  }
}

/** What commit() and write() need from the file system; kept out of the public API. */
interface TransactionHooks {
  commit(changes: ReadonlyMap<string, string | null>): number;
  close(): void;
  checkRoom(changes: ReadonlyMap<string, string | null>): void;
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
    checkName(name);
    checkContents(data);
    const next = new Map(this.#changes).set(name, data);
    this.#hooks.checkRoom(next);
    this.#changes.set(name, data);
  }

  delete(name: string): void {
    this.#checkOpen("delete");
    checkName(name);
    this.#changes.set(name, null);
  }

  commit(): number {
    this.#checkOpen("commit");
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
// Layout and validation

const SUPERBLOCK = 0;
const JOURNAL_FIRST = 1;
const DEFAULT_JOURNAL_BLOCKS = 64;
/** The smallest useful journal: descriptor, a directory block, a data block, commit. */
const MIN_JOURNAL_BLOCKS = 4;
const MIN_BLOCK_SIZE = 64;
const MAX_FILE_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

interface Layout {
  blockSize: number;
  journalBlocks: number;
  homeFirst: number;
  dirBlocks: number;
  entriesPerDirBlock: number;
  /** How many files fit: one slot each. */
  slots: number;
  /** Data blocks per slot: enough for MAX_FILE_BYTES. */
  slotBlocks: number;
}

interface FileEntry {
  slot: number;
  data: string;
}

/** A home block's new contents, as a transaction commits it. */
interface HomeImage {
  block: number;
  bytes: Uint8Array;
  label: string;
}

interface JournalRecord {
  home: number;
  position: number;
}

interface ScannedTransaction {
  txid: number;
  records: JournalRecord[];
}

function computeLayout(blocks: number, blockSize: number, journalBlocks: number): Layout {
  if (blockSize < MIN_BLOCK_SIZE) throw new RangeError(`TxFS needs blocks of at least ${MIN_BLOCK_SIZE} bytes, not ${blockSize}`);
  const homeFirst = JOURNAL_FIRST + journalBlocks;
  const homeBlocks = blocks - homeFirst;
  const entriesPerDirBlock = Math.floor(blockSize / DIR_ENTRY_SIZE) - 1;
  const slotBlocks = Math.ceil(MAX_FILE_BYTES / (blockSize - 1));
  let slots = Math.floor(homeBlocks / slotBlocks);
  while (slots > 0 && Math.ceil(slots / entriesPerDirBlock) + slots * slotBlocks > homeBlocks) slots--;
  if (slots < 1) {
    throw new RangeError(`a ${journalBlocks}-block journal leaves no room for files on a ${blocks}-block disk`);
  }
  return { blockSize, journalBlocks, homeFirst, dirBlocks: Math.ceil(slots / entriesPerDirBlock), entriesPerDirBlock, slots, slotBlocks };
}

function dataBlock(layout: Layout, slot: number, index: number): number {
  return layout.homeFirst + layout.dirBlocks + slot * layout.slotBlocks + index;
}

function describeHomeBlock(layout: Layout, block: number): string {
  const offset = block - layout.homeFirst;
  if (offset < layout.dirBlocks) return `directory block ${offset + 1} of ${layout.dirBlocks}`;
  const data = offset - layout.dirBlocks;
  return `data block ${(data % layout.slotBlocks) + 1} of file slot ${Math.floor(data / layout.slotBlocks)}`;
}

function checkDisk(disk: SimDisk): void {
  const d = disk as Partial<SimDisk> | null | undefined;
  if (typeof d?.read !== "function" || typeof d.write !== "function" || !Number.isInteger(d.blockSize)) {
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

// ---------------------------------------------------------------------------------------
// Planning a transaction's home writes

/** The files after `changes`, and the home images that make them so. */
function planHomeWrites(
  layout: Layout,
  files: ReadonlyMap<string, FileEntry>,
  changes: ReadonlyMap<string, string | null>,
): { files: Map<string, FileEntry>; images: HomeImage[] } {
  const next = new Map(files);
  const touchedSlots = new Set<number>();
  for (const [name, data] of changes) {
    const old = next.get(name);
    if (data === null && old !== undefined) {
      touchedSlots.add(old.slot);
      next.delete(name);
    }
  }
  const taken = new Set([...next.values()].map((f) => f.slot));
  const images: HomeImage[] = [];
  for (const [name, data] of changes) {
    if (data === null) continue;
    const slot = next.get(name)?.slot ?? firstFreeSlot(layout, taken);
    taken.add(slot);
    touchedSlots.add(slot);
    next.set(name, { slot, data });
    images.push(...dataImages(layout, name, slot, data));
  }
  const dirIndexes = new Set([...touchedSlots].map((slot) => Math.floor(slot / layout.entriesPerDirBlock)));
  for (const d of dirIndexes) {
    images.push({ block: layout.homeFirst + d, bytes: encodeDirectory(layout, next, d), label: `directory block ${d + 1} of ${layout.dirBlocks}` });
  }
  return { files: next, images: images.sort((a, b) => a.block - b.block) };
}

function firstFreeSlot(layout: Layout, taken: ReadonlySet<number>): number {
  for (let slot = 0; slot < layout.slots; slot++) if (!taken.has(slot)) return slot;
  throw new RangeError(`the disk is full: it holds ${layout.slots} files`);
}

function dataImages(layout: Layout, name: string, slot: number, data: string): HomeImage[] {
  const bytes = ENCODER.encode(data);
  const perBlock = layout.blockSize - 1;
  const count = Math.ceil(bytes.length / perBlock);
  return Array.from({ length: count }, (_, i) => {
    const image = new Uint8Array(layout.blockSize);
    image[0] = KIND_DATA;
    image.set(bytes.subarray(i * perBlock, (i + 1) * perBlock), 1);
    return { block: dataBlock(layout, slot, i), bytes: image, label: `data block ${i + 1} of ${count} of ${name}` };
  });
}

// ---------------------------------------------------------------------------------------
// Encodings. Every number is a big-endian u32 (as jbd2 does) unless noted.

const SUPERBLOCK_MAGIC = 0x54584653; // "TXFS"
const JOURNAL_MAGIC = 0x4a524e4c; // "JRNL": its first byte is neither KIND_DIRECTORY nor KIND_DATA
const KIND_DIRECTORY = 0x44; // "D"
const KIND_DATA = 0x46; // "F"
const DESCRIPTOR = 1;
const COMMIT = 2;
const HEADER_BYTES = 16;
const DIR_ENTRY_SIZE = 32;

interface Superblock {
  blockSize: number;
  journalBlocks: number;
  /** Journal position of the first transaction still to install. */
  start: number;
  /** The id that transaction must carry (jbd2's s_sequence). */
  sequence: number;
}

type JournalHeader =
  | { kind: "descriptor"; txid: number; homeBlocks: number[] }
  | { kind: "commit"; txid: number; committedAt: number };

function encodeSuperblock(sb: Superblock): Uint8Array {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  [SUPERBLOCK_MAGIC, 1, sb.blockSize, sb.journalBlocks, sb.start, sb.sequence].forEach((v, i) => view.setUint32(i * 4, v));
  return bytes;
}

function decodeSuperblock(bytes: Uint8Array): Superblock | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== SUPERBLOCK_MAGIC) return undefined;
  const sb = { blockSize: view.getUint32(8), journalBlocks: view.getUint32(12), start: view.getUint32(16), sequence: view.getUint32(20) };
  if (sb.journalBlocks < MIN_JOURNAL_BLOCKS || sb.start >= sb.journalBlocks || sb.sequence < 1) {
    throw new Error("the journal superblock is damaged");
  }
  return sb;
}

/** The transaction's journal blocks before its commit block: descriptors, each followed by its records. */
function journalBody(layout: Layout, txid: number, images: readonly HomeImage[]): HomeImage[] {
  const perDescriptor = Math.floor((layout.blockSize - HEADER_BYTES) / 4);
  const body: HomeImage[] = [];
  for (let i = 0; i === 0 || i < images.length; i += perDescriptor) {
    const group = images.slice(i, i + perDescriptor);
    body.push({ block: -1, bytes: encodeDescriptor(txid, group.map((g) => g.block)), label: `journal: descriptor of tx ${txid} (${group.length} records)` });
    for (const image of group) body.push({ block: image.block, bytes: image.bytes, label: `journal: tx ${txid} record for ${image.label}` });
  }
  return body;
}

function encodeHeader(size: number, kind: number, txid: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, JOURNAL_MAGIC);
  view.setUint32(4, kind);
  view.setUint32(8, txid);
  return { bytes, view };
}

function encodeDescriptor(txid: number, homeBlocks: readonly number[]): Uint8Array {
  const { bytes, view } = encodeHeader(HEADER_BYTES + homeBlocks.length * 4, DESCRIPTOR, txid);
  view.setUint32(12, homeBlocks.length);
  homeBlocks.forEach((block, i) => view.setUint32(HEADER_BYTES + i * 4, block));
  return bytes;
}

function encodeCommit(txid: number, committedAt: number): Uint8Array {
  const { bytes, view } = encodeHeader(HEADER_BYTES + 8, COMMIT, txid);
  view.setFloat64(HEADER_BYTES, committedAt); // for people reading the journal, like jbd2's h_commit_sec
  return bytes;
}

function decodeJournalHeader(bytes: Uint8Array): JournalHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== JOURNAL_MAGIC) return undefined;
  const kind = view.getUint32(4);
  const txid = view.getUint32(8);
  if (kind === COMMIT) return { kind: "commit", txid, committedAt: view.getFloat64(HEADER_BYTES) };
  if (kind !== DESCRIPTOR) return undefined;
  const count = view.getUint32(12);
  if (HEADER_BYTES + count * 4 > bytes.length) return undefined;
  return { kind: "descriptor", txid, homeBlocks: Array.from({ length: count }, (_, i) => view.getUint32(HEADER_BYTES + i * 4)) };
}

/** Directory block d: a 32-byte header (kind byte), then entries of name length, name, size (u16). */
function encodeDirectory(layout: Layout, files: ReadonlyMap<string, FileEntry>, d: number): Uint8Array {
  const bytes = new Uint8Array(layout.blockSize);
  const view = new DataView(bytes.buffer);
  bytes[0] = KIND_DIRECTORY;
  const first = d * layout.entriesPerDirBlock;
  for (const [name, file] of files) {
    const index = file.slot - first;
    if (index < 0 || index >= layout.entriesPerDirBlock) continue;
    const at = DIR_ENTRY_SIZE * (index + 1);
    bytes[at] = name.length;
    bytes.set(ENCODER.encode(name), at + 1);
    view.setUint16(at + 25, ENCODER.encode(file.data).length);
  }
  return bytes;
}

function decodeDirectory(layout: Layout, bytes: Uint8Array, d: number): { name: string; slot: number; size: number }[] {
  if (bytes[0] !== KIND_DIRECTORY) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = [];
  for (let index = 0; index < layout.entriesPerDirBlock; index++) {
    const at = DIR_ENTRY_SIZE * (index + 1);
    const length = bytes[at];
    if (length === 0) continue;
    const name = DECODER.decode(bytes.subarray(at + 1, at + 1 + length));
    entries.push({ name, slot: d * layout.entriesPerDirBlock + index, size: view.getUint16(at + 25) });
  }
  return entries;
}
