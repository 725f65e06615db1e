/**
 * Lesson 11 · undo logging: a rollback journal (reference solution).
 *
 * A PageStore keeps fixed-size pages on a SimDisk with a volatile write cache and changes
 * them in place, the way SQLite's rollback-journal mode does. Before a page is first
 * overwritten in a transaction, its original goes into the journal, and the journal is
 * flushed before the page is written home. Commit flushes the pages, then invalidates the
 * journal with one header write (the commit point), then flushes again. A journal that is
 * still valid at mount ("hot") belongs to a transaction that never committed: its
 * originals are copied home, flushed, and the journal is invalidated.
 *
 * Changed pages wait in a small page cache and reach the disk at commit; when the cache is
 * full they are written in place before commit (a spill: the "steal" policy), which is
 * exactly why the originals must be in the journal first.
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

  /** Journals the originals of the dirty pages not yet journaled, makes them durable, then writes every dirty page home. */
  #spill(): void {
    const fresh = [...this.#dirty.keys()].filter((page) => !this.#journaled.has(page)).sort((a, b) => a - b);
    if (fresh.length > 0) {
      const originals = fresh.map((page) => ({ page, image: this.#disk.read(this.#home(page)) }));
      this.#appendOriginals(originals);
      // The originals must be on the media before any page they protect is overwritten:
      // the write cache may deliver the in-place writes first otherwise.
      this.#disk.flush();
      for (const { page, image } of originals) this.#journaled.set(page, image);
    }
    for (const [page, image] of [...this.#dirty].sort(([a], [b]) => a - b)) {
      this.#disk.write(this.#home(page), image, `page ${page} in place`);
    }
    this.#dirty.clear();
  }

  #commit(): void {
    if (this.#dirty.size === 0 && this.#journaled.size === 0) return this.#reset();
    this.#spill();
    // The pages must be durable before the journal that could undo them is invalidated.
    this.#disk.flush();
    this.#invalidateJournal("commit");
    this.#disk.flush();
    this.#reset();
  }

  #abort(): void {
    this.#dirty.clear();
    this.#rollBack([...this.#journaled].map(([page, image]) => ({ page, image })));
    this.#reset();
  }

  /** Copies the originals home, makes them durable, then invalidates the journal. */
  #rollBack(originals: readonly Original[]): void {
    if (originals.length === 0) return; // nothing was stolen: nothing to undo
    for (const { page, image } of originals) this.#disk.write(this.#home(page), image, `page ${page}: original restored (rollback)`);
    // Invalidate only once every original is durable at home: a crash before that leaves
    // the journal hot, and rolling back again copies the same bytes (idempotent).
    this.#disk.flush();
    // No flush after it: the pages are already durable as they were. If the header is lost,
    // the journal is hot again and rolling it back copies the same bytes; and the next
    // transaction flushes its own journal (and this header) before it overwrites a page.
    this.#invalidateJournal("rollback");
  }

  /** The originals of a hot journal (a valid batch of transaction finished + 1 at its start), or none. */
  #hotJournal(): Original[] {
    const txid = this.#finished + 1;
    const originals: Original[] = [];
    for (let position = 0; position < this.#journalBlocks; ) {
      const descriptorBytes = this.#disk.read(this.#journalBlock(position));
      const descriptor = decodeDescriptor(descriptorBytes, this.pageSize);
      if (descriptor === undefined || descriptor.txid !== txid) break;
      const { pages } = descriptor;
      if (position + 1 + pages.length > this.#journalBlocks || pages.some((p) => p >= this.pageCount)) break;
      const images = pages.map((_, i) => this.#disk.read(this.#journalBlock(position + 1 + i)));
      // A batch whose flush never happened may be partly on disk or torn: the checksum
      // rejects it, and none of its pages was overwritten in place yet.
      if (batchChecksum(descriptorBytes, images) !== descriptor.checksum) break;
      pages.forEach((page, i) => originals.push({ page, image: images[i] }));
      position += 1 + pages.length;
    }
    return originals;
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
