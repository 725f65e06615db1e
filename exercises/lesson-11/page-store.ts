/**
 * Lesson 11 · undo logging: a rollback journal.
 *
 * Read lessons/lesson-11/README.md first. A PageStore keeps fixed-size pages on a SimDisk
 * with a volatile write cache and changes them in place, the way SQLite's rollback-journal
 * mode does; the journal holds the originals of the pages a transaction overwrites, so
 * that a transaction that never committed can be undone. Everything but the journal's
 * four moves is written for you: the page cache, the layout, the encodings, validation,
 * the Transaction object. You write the four moves, each a TODO below:
 *
 *   spill     changed pages go home in place, never before their originals are safe
 *   commit    the transaction happens at one write, durably
 *   rollback  the originals go home, and only then the journal stops being hot
 *   hot       at mount, tell a journal to roll back from a finished or stale one
 *
 * Disk layout (block size B = page size, journal of J blocks, N blocks in all):
 *   block 0            journal header: journal size and the number of the last finished
 *                      transaction (its first 32 bytes; one sector, never torn)
 *   blocks 1 .. J      the journal of the open transaction, restarted at block 1 by each
 *                      transaction: batches of a descriptor (transaction number, page
 *                      numbers, a checksum of the batch) followed by the originals
 *   blocks J+1 .. N-1  pages 0 .. N-J-2, in place
 * The journal is hot when block 1 holds a valid batch of transaction (finished + 1).
 *
 * @example
 * ```ts
 * const store = PageStore.mount(new SimDisk({ model: "volatile" }));
 * const tx = store.begin();
 * tx.write(3, new TextEncoder().encode("hello"));
 * tx.write(4, new TextEncoder().encode("world"));
 * tx.commit();                      // both pages, durably, or (power cut before) neither
 * store.read(3);                    // Uint8Array(512) [104, 101, 108, 108, 111, 0, …]
 * ```
 */
import { todo } from "../../lib/todo.ts";
import type { SimDisk } from "../../lib/sim-disk.ts";

/** Page writes that land together at commit(), or are rolled back. */
export interface Transaction {
  /** Replaces the page (zero-filled to the page size); reads see it at once. */
  write(page: number, data: Uint8Array): void;
  /** Durable and atomic on return. */
  commit(): void;
  /** Every page back as it was at begin(), durably. */
  abort(): void;
}

export interface PageStoreOptions {
  /** Size of the journal when the disk is formatted; 64 by default. A used disk keeps its own. */
  journalBlocks?: number;
  /** Changed pages held in memory before they are written in place (stolen); 8 by default. */
  cachePages?: number;
}

export class PageStore {
  readonly #disk: SimDisk;
  readonly #journalBlocks: number;
  readonly #cachePages: number;
  /** The number of the last transaction that finished (committed or rolled back) on disk. */
  #finished = 0;
  #open: OpenTransaction | undefined;
  /** The open transaction's changed pages not yet written in place. */
  readonly #dirty = new Map<number, Uint8Array>();
  /** The open transaction's pages whose originals are in the journal, with those originals. */
  readonly #journaled = new Map<number, Uint8Array>();
  /** Journal blocks the open transaction has written. */
  #journalUsed = 0;

  private constructor(disk: SimDisk, journalBlocks: number, cachePages: number) {
    this.#disk = disk;
    this.#journalBlocks = journalBlocks;
    this.#cachePages = cachePages;
  }

  /** Formats an empty disk, or opens a used one and rolls back a hot journal. */
  static mount(disk: SimDisk, options: PageStoreOptions = {}): PageStore {
    checkDisk(disk);
    const { journalBlocks, cachePages } = checkOptions(options);
    const block0 = disk.read(HEADER_BLOCK);
    const header = decodeHeader(block0);
    if (header === undefined) {
      if (block0.some((byte) => byte !== 0)) throw new Error("this disk holds something other than a PageStore: use a blank disk");
      const store = new PageStore(disk, journalSizeFor(disk, journalBlocks), cachePages);
      store.#writeHeader("journal header: format");
      disk.flush();
      return store;
    }
    if (header.blockSize !== disk.blockSize) {
      throw new RangeError(`this disk was formatted with ${header.blockSize}-byte blocks, not ${disk.blockSize}`);
    }
    const store = new PageStore(disk, journalSizeFor(disk, header.journalBlocks), cachePages);
    store.#finished = header.finished;
    const originals = store.#hotJournal();
    store.#rollBack(originals);
    return store;
  }

  get pageSize(): number {
    return this.#disk.blockSize;
  }

  get pageCount(): number {
    return this.#disk.blocks - FIRST_JOURNAL_BLOCK - this.#journalBlocks;
  }

  /** The page as the open transaction left it, else as committed; zeros if never written. */
  read(page: number): Uint8Array {
    this.#checkPage(page);
    const dirty = this.#dirty.get(page);
    return dirty ? dirty.slice() : this.#disk.read(this.#home(page));
  }

  /** Opens a transaction; one at a time. */
  begin(): Transaction {
    if (this.#open !== undefined) throw new Error("a transaction is already open: commit() or abort() it before begin() again");
    const tx = new OpenTransaction({
      write: (page, data) => this.#write(page, data),
      commit: () => this.#commit(),
      abort: () => this.#abort(),
      close: () => (this.#open = undefined),
    });
    this.#open = tx;
    return tx;
  }

  #write(page: number, data: Uint8Array): void {
    this.#checkPage(page);
    checkData(data, this.pageSize);
    this.#checkJournalRoom(page);
    if (!this.#dirty.has(page) && this.#dirty.size >= this.#cachePages) this.#spill();
    const image = new Uint8Array(this.pageSize);
    image.set(data);
    this.#dirty.set(page, image);
  }

  /** Empties the page cache: every changed page goes home, in place (a spill, when the cache is full; all of them at commit). */
  #spill(): void {
    // TODO(lesson-11:spill): every dirty page (#dirty) ends up written in place and the
    // cache is empty, and from the first in-place write on, a power cut at any point of
    // the write cache's choosing must still let the next mount put back the page as it was
    // at begin(): its original, never a version this transaction wrote. A page's original
    // is its home contents before its first spill in this transaction (#journaled lists
    // the ones already saved, and must not be saved again). #appendOriginals writes
    // originals into the journal and nothing else; #disk.flush() is the only thing that
    // makes earlier writes durable, in any order. README: "Why the journal goes first".
    throw todo("lesson-11:spill");
  }

  #commit(): void {
    // TODO(lesson-11:commit): make the transaction happen, durably, at one write. When
    // commit() returns, every page it changed must survive any power cut; before that, a
    // power cut at any write or flush leaves all of it or none of it. An empty transaction
    // (nothing dirty, nothing journaled) needs no disk write. #invalidateJournal writes
    // the header that stops the journal being hot (no flush); #reset() forgets the
    // transaction. README: "Commit: one header write".
    throw todo("lesson-11:commit");
  }

  #abort(): void {
    this.#dirty.clear();
    this.#rollBack([...this.#journaled].map(([page, image]) => ({ page, image })));
    this.#reset();
  }

  /** Undoes the open (or interrupted) transaction from its originals, and ends its journal. */
  #rollBack(originals: readonly Original[]): void {
    // TODO(lesson-11:rollback): afterwards every page in `originals` is back home, durably,
    // and the journal is finished (#invalidateJournal), so that the next transaction can
    // reuse it. A power cut at any write or flush of the rollback must leave a disk that the
    // next mount rolls back to the same pages: a journal whose header write was lost is
    // hot again. Flush where an order matters, and nowhere else. Label home
    // writes, e.g. `page ${page}: original restored (rollback)`. With no originals (nothing
    // was stolen, or the journal was not hot) there is nothing to undo: no disk write.
    // README: "Rolling back".
    throw todo("lesson-11:rollback");
  }

  /** The originals to roll back: those of a hot journal, or none. */
  #hotJournal(): Original[] {
    // TODO(lesson-11:hot): the originals of the journal if it is hot, else []. Hot means it
    // belongs to the transaction after the last finished one (#finished + 1) and nothing in
    // it is trusted that was not durable before a page was overwritten: a batch the power
    // cut left missing, partly written or torn, and every batch after it, are not
    // originals; neither are stale batches of an earlier transaction, which look valid.
    // Never read past the journal's #journalBlocks. Written for you: decodeDescriptor,
    // batchChecksum, #journalBlock. README: "The hot journal".
    throw todo("lesson-11:hot");
  }

  /** Writes the originals at the journal's end, in batches of a descriptor and the originals it lists (no flush). */
  #appendOriginals(originals: readonly Original[]): void {
    const txid = this.#finished + 1;
    for (const batch of chunks(originals, descriptorCapacity(this.pageSize))) {
      const images = batch.map((o) => o.image);
      const descriptor = encodeDescriptor(txid, batch.map((o) => o.page), images, this.pageSize);
      this.#disk.write(this.#journalBlock(this.#journalUsed), descriptor, `journal: tx ${txid} descriptor (${batch.length} original${batch.length === 1 ? "" : "s"})`);
      batch.forEach(({ page, image }, i) => {
        this.#disk.write(this.#journalBlock(this.#journalUsed + 1 + i), image, `journal: tx ${txid} original of page ${page}`);
      });
      this.#journalUsed += 1 + batch.length;
    }
  }

  /** Writes the journal header naming the open transaction finished (no flush): once durable, its journal is no longer hot. */
  #invalidateJournal(why: "commit" | "rollback"): void {
    this.#finished += 1;
    this.#writeHeader(`journal header: tx ${this.#finished} finished (${why}), journal invalidated`);
  }

  #writeHeader(label: string): void {
    this.#disk.write(HEADER_BLOCK, encodeHeader({ blockSize: this.pageSize, journalBlocks: this.#journalBlocks, finished: this.#finished }), label);
  }

  /** Refuses (RangeError) a page more than the journal can protect: at most ⌊J/2⌋ distinct pages a transaction. */
  #checkJournalRoom(page: number): void {
    if (this.#dirty.has(page) || this.#journaled.has(page)) return;
    const distinct = new Set([...this.#dirty.keys(), ...this.#journaled.keys()]).size;
    const limit = Math.floor(this.#journalBlocks / 2);
    if (distinct + 1 > limit) {
      throw new RangeError(`a transaction may change at most ${limit} pages with a ${this.#journalBlocks}-block journal; page ${page} would be one more`);
    }
  }

  #reset(): void {
    this.#dirty.clear();
    this.#journaled.clear();
    this.#journalUsed = 0;
  }

  #checkPage(page: number): void {
    if (typeof page !== "number") throw new TypeError(`a page number must be a number, not ${typeof page}`);
    if (!Number.isInteger(page) || page < 0 || page >= this.pageCount) {
      throw new RangeError(`page ${page} is outside the store (pages 0..${this.pageCount - 1})`);
    }
  }

  #home(page: number): number {
    return FIRST_JOURNAL_BLOCK + this.#journalBlocks + page;
  }

  #journalBlock(position: number): number {
    return FIRST_JOURNAL_BLOCK + position;
  }
}

/** What a transaction needs from its store; kept out of the public API. */
interface TransactionHooks {
  write(page: number, data: Uint8Array): void;
  commit(): void;
  abort(): void;
  close(): void;
}

class OpenTransaction implements Transaction {
  readonly #hooks: TransactionHooks;
  #state: "open" | "committed" | "aborted" = "open";

  constructor(hooks: TransactionHooks) {
    this.#hooks = hooks;
  }

  write(page: number, data: Uint8Array): void {
    this.#checkOpen("write");
    this.#hooks.write(page, data);
  }

  commit(): void {
    this.#checkOpen("commit");
    this.#hooks.commit();
    this.#state = "committed";
    this.#hooks.close();
  }

  abort(): void {
    this.#checkOpen("abort");
    this.#hooks.abort();
    this.#state = "aborted";
    this.#hooks.close();
  }

  #checkOpen(what: string): void {
    if (this.#state !== "open") throw new Error(`${what}(): this transaction was already ${this.#state}`);
  }
}

// ---------------------------------------------------------------------------------------
// Layout and validation

const HEADER_BLOCK = 0;
const FIRST_JOURNAL_BLOCK = 1;
const DEFAULT_JOURNAL_BLOCKS = 64;
const DEFAULT_CACHE_PAGES = 8;
/** A descriptor and one original. */
const MIN_JOURNAL_BLOCKS = 2;
const MIN_BLOCK_SIZE = 32;

interface Original {
  page: number;
  image: Uint8Array;
}

function checkDisk(disk: SimDisk): void {
  const d = disk as Partial<SimDisk> | null | undefined;
  if (typeof d?.read !== "function" || typeof d.write !== "function" || typeof d.flush !== "function" || !Number.isInteger(d.blockSize)) {
    throw new TypeError("PageStore.mount() needs a SimDisk");
  }
  if (disk.blockSize < MIN_BLOCK_SIZE) throw new RangeError(`PageStore needs blocks of at least ${MIN_BLOCK_SIZE} bytes, not ${disk.blockSize}`);
}

function checkOptions(options: PageStoreOptions): Required<PageStoreOptions> {
  if (typeof options !== "object" || options === null) throw new TypeError("PageStore.mount() options must be an object");
  const whole = (name: keyof PageStoreOptions, fallback: number, min: number): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== "number") throw new TypeError(`${name} must be a number, not ${typeof value}`);
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, not ${value}`);
    return value;
  };
  return { journalBlocks: whole("journalBlocks", DEFAULT_JOURNAL_BLOCKS, MIN_JOURNAL_BLOCKS), cachePages: whole("cachePages", DEFAULT_CACHE_PAGES, 1) };
}

function journalSizeFor(disk: SimDisk, journalBlocks: number): number {
  if (FIRST_JOURNAL_BLOCK + journalBlocks >= disk.blocks) {
    throw new RangeError(`a ${journalBlocks}-block journal leaves no pages on a ${disk.blocks}-block disk`);
  }
  return journalBlocks;
}

function checkData(data: Uint8Array, pageSize: number): void {
  if (!(data instanceof Uint8Array)) throw new TypeError(`page data must be a Uint8Array, not ${data === null ? "null" : typeof data}`);
  if (data.length > pageSize) throw new RangeError(`${data.length} bytes do not fit a ${pageSize}-byte page`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------
// Encodings. Numbers are big-endian u32.

const HEADER_MAGIC = 0x554e444f; // "UNDO"
const DESCRIPTOR_MAGIC = 0x4f524947; // "ORIG"
const DESCRIPTOR_BYTES = 16;

interface Header {
  blockSize: number;
  journalBlocks: number;
  /** The last transaction that finished; the journal is hot only for the one after it. */
  finished: number;
}

function encodeHeader(header: Header): Uint8Array {
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  [HEADER_MAGIC, 1, header.blockSize, header.journalBlocks, header.finished].forEach((v, i) => view.setUint32(i * 4, v));
  return bytes;
}

function decodeHeader(bytes: Uint8Array): Header | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== HEADER_MAGIC) return undefined;
  const header = { blockSize: view.getUint32(8), journalBlocks: view.getUint32(12), finished: view.getUint32(16) };
  if (header.journalBlocks < MIN_JOURNAL_BLOCKS) throw new Error("the journal header is damaged");
  return header;
}

/** Page numbers one descriptor block can list. */
function descriptorCapacity(blockSize: number): number {
  return Math.floor((blockSize - DESCRIPTOR_BYTES) / 4);
}

/** Descriptor: magic, txid, count, checksum of the batch, then the page numbers. */
function encodeDescriptor(txid: number, pages: readonly number[], images: readonly Uint8Array[], blockSize: number): Uint8Array {
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, DESCRIPTOR_MAGIC);
  view.setUint32(4, txid);
  view.setUint32(8, pages.length);
  pages.forEach((page, i) => view.setUint32(DESCRIPTOR_BYTES + i * 4, page));
  view.setUint32(12, batchChecksum(bytes, images));
  return bytes;
}

function decodeDescriptor(bytes: Uint8Array, blockSize: number): { txid: number; pages: number[]; checksum: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== DESCRIPTOR_MAGIC) return undefined;
  const count = view.getUint32(8);
  if (count < 1 || count > descriptorCapacity(blockSize)) return undefined;
  const pages = Array.from({ length: count }, (_, i) => view.getUint32(DESCRIPTOR_BYTES + i * 4));
  return { txid: view.getUint32(4), pages, checksum: view.getUint32(12) };
}

/** FNV-1a over the descriptor (its checksum field skipped) and every original of the batch. */
function batchChecksum(descriptor: Uint8Array, images: readonly Uint8Array[]): number {
  let hash = 0x811c9dc5;
  const feed = (bytes: Uint8Array, skip?: [number, number]) => {
    for (let i = 0; i < bytes.length; i++) {
      if (skip && i >= skip[0] && i < skip[1]) continue;
      hash = Math.imul(hash ^ bytes[i], 0x01000193);
    }
  };
  feed(descriptor, [12, 16]);
  for (const image of images) feed(image);
  return hash >>> 0;
}
