/**
 * The storage under lesson 9's concurrent file system: files in fixed slots, made
 * crash-safe by a redo log in the style of xv6's log layer. Lesson 9 is about what
 * happens above it (locks and group commit), so this part is given, and small.
 *
 * Protocol of `commit(group)`, for a group of change sets applied in order:
 *   1. write the new contents of every home block the group changes into the log area;
 *   2. flush, then write the log header (the home block numbers and the group's last
 *      transaction id), then flush: the header is the commit point; a crash before it
 *      loses the whole group, a crash after it loses nothing;
 *   3. install the logged blocks in their home locations;
 *   4. write the header again with no blocks (the log is empty; the txid stays).
 * `mount()` is recovery: if the header lists blocks, install them again (redo is
 * idempotent) and empty the header. A crash during recovery just means recovering again.
 *
 * Disk layout (256 × 512 bytes by default): block 0 the log header, blocks 1..60 the log,
 * then the file slots, 3 blocks each. A slot's first block holds a used flag, the name,
 * the content length and the first bytes; the other two hold the rest of the content.
 *
 * @example
 * ```ts
 * import { SimDisk } from "./sim-disk.ts";
 * import { LogStore } from "./log-store.ts";
 *
 * const store = LogStore.mount(new SimDisk());
 * store.commit([new Map([["a.txt", "hello"]]), new Map([["b.txt", "hi"], ["a.txt", undefined]])], 2);
 * store.list(); // ["b.txt"]
 * ```
 */
import type { SimDisk } from "./sim-disk.ts";

/** A transaction's changes: name → new contents, or undefined for a delete. */
export type Changes = ReadonlyMap<string, string | undefined>;

export const MAX_NAME_LENGTH = 24;
export const MAX_CONTENT_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const MAGIC = 0x434c4f47; // "CLOG"
const HEADER_BLOCK = 0;
const LOG_START = 1;
const SLOT_BLOCKS = 3;
const SLOT_HEADER_BYTES = 1 + 1 + MAX_NAME_LENGTH + 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The name, if it is a valid file name; TypeError for a non-string, RangeError for a bad one. */
export function checkName(name: unknown): string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1-24 characters of A-Z a-z 0-9 . _ -`);
  return name;
}

/** The contents, if they fit a file; TypeError for a non-string, RangeError when too large. */
export function checkContents(data: unknown): string {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, got ${typeof data}`);
  const bytes = encoder.encode(data).length;
  if (bytes > MAX_CONTENT_BYTES) throw new RangeError(`contents of ${bytes} bytes are too large: a file holds at most ${MAX_CONTENT_BYTES} bytes`);
  return data;
}

interface Slot {
  index: number;
  name: string;
  data: string;
}

export class LogStore {
  readonly #disk: SimDisk;
  readonly logBlocks: number;
  readonly #firstSlotBlock: number;
  readonly #slotCount: number;
  /** name → slot, for the files on disk. */
  #files = new Map<string, Slot>();
  #lastTxid = 0;

  private constructor(disk: SimDisk) {
    this.#disk = disk;
    this.logBlocks = Math.min(60, Math.floor((disk.blocks - 1) / 4));
    this.#firstSlotBlock = LOG_START + this.logBlocks;
    this.#slotCount = Math.floor((disk.blocks - this.#firstSlotBlock) / SLOT_BLOCKS);
  }

  /** Recovers a used disk (redo the committed log), or formats an empty one. */
  static mount(disk: SimDisk): LogStore {
    if (disk.blockSize < 512) throw new RangeError(`the log store needs blocks of at least 512 bytes, got ${disk.blockSize}`);
    const store = new LogStore(disk);
    store.#recover();
    store.#loadSlots();
    return store;
  }

  /** The id of the last transaction made durable. */
  get lastTxid(): number {
    return this.#lastTxid;
  }

  read(name: string): string | undefined {
    return this.#files.get(name)?.data;
  }

  list(): string[] {
    return [...this.#files.keys()].sort();
  }

  /**
   * Throws a RangeError, writing nothing, if the group does not fit: more home blocks
   * than the log holds, or more files than there are slots.
   */
  check(group: readonly Changes[]): void {
    this.#plan(group);
  }

  /** Makes the group durable and applies it, in order; `lastTxid` is its last transaction's id. */
  commit(group: readonly Changes[], lastTxid: number): void {
    if (!Number.isInteger(lastTxid) || lastTxid <= this.#lastTxid) {
      throw new RangeError(`transaction ids must rise: got ${lastTxid} after ${this.#lastTxid}`);
    }
    const { blocks, files } = this.#plan(group);
    const homes = [...blocks.keys()];
    homes.forEach((home, i) => this.#disk.write(LOG_START + i, blocks.get(home)!, `log block ${i + 1} of ${homes.length} (for block ${home})`));
    this.#disk.flush();
    this.#writeHeader(homes, lastTxid, "log header: commit");
    this.#disk.flush();
    for (const home of homes) this.#disk.write(home, blocks.get(home)!, `install block ${home}`);
    this.#writeHeader([], lastTxid, "log header: empty");
    this.#files = files;
    this.#lastTxid = lastTxid;
  }

  #recover(): void {
    const header = new DataView(this.#disk.read(HEADER_BLOCK).buffer);
    if (header.getUint32(0) !== MAGIC) {
      this.#writeHeader([], 0, "log header: format");
      this.#disk.flush();
      return;
    }
    const count = header.getUint16(4);
    this.#lastTxid = header.getUint32(6);
    if (count === 0) return;
    for (let i = 0; i < count; i++) {
      const home = header.getUint16(10 + 2 * i);
      this.#disk.write(home, this.#disk.read(LOG_START + i), `recovery: install block ${home}`);
    }
    this.#writeHeader([], this.#lastTxid, "recovery: log header empty");
  }

  #writeHeader(homes: readonly number[], lastTxid: number, label: string): void {
    const block = new Uint8Array(10 + 2 * homes.length);
    const view = new DataView(block.buffer);
    view.setUint32(0, MAGIC);
    view.setUint16(4, homes.length);
    view.setUint32(6, lastTxid);
    homes.forEach((home, i) => view.setUint16(10 + 2 * i, home));
    this.#disk.write(HEADER_BLOCK, block, label);
  }

  #loadSlots(): void {
    for (let index = 0; index < this.#slotCount; index++) {
      const first = this.#disk.read(this.#slotBlock(index, 0));
      if (first[0] !== 1) continue;
      const name = decoder.decode(first.subarray(2, 2 + first[1]));
      const length = new DataView(first.buffer).getUint16(2 + MAX_NAME_LENGTH);
      const bytes = new Uint8Array(length);
      let filled = 0;
      for (let b = 0; b < SLOT_BLOCKS && filled < length; b++) {
        const block = b === 0 ? first.subarray(SLOT_HEADER_BYTES) : this.#disk.read(this.#slotBlock(index, b));
        const take = Math.min(block.length, length - filled);
        bytes.set(block.subarray(0, take), filled);
        filled += take;
      }
      this.#files.set(name, { index, name, data: decoder.decode(bytes) });
    }
  }

  /** The home blocks the group writes, and the file table after it. */
  #plan(group: readonly Changes[]): { blocks: Map<number, Uint8Array>; files: Map<string, Slot> } {
    const files = new Map(this.#files);
    const blocks = new Map<number, Uint8Array>();
    for (const changes of group) {
      for (const [name, data] of changes) {
        checkName(name);
        const existing = files.get(name);
        if (data === undefined) {
          if (!existing) continue;
          files.delete(name);
          blocks.set(this.#slotBlock(existing.index, 0), new Uint8Array(0));
          continue;
        }
        checkContents(data);
        const slot = { index: existing?.index ?? this.#freeSlot(files), name, data };
        files.set(name, slot);
        this.#encodeSlot(slot).forEach((bytes, b) => blocks.set(this.#slotBlock(slot.index, b), bytes));
      }
    }
    if (blocks.size > this.logBlocks) {
      throw new RangeError(`too large: these changes write ${blocks.size} blocks and the log holds ${this.logBlocks}`);
    }
    return { blocks, files };
  }

  #freeSlot(files: ReadonlyMap<string, Slot>): number {
    const used = new Set([...files.values()].map((s) => s.index));
    for (let index = 0; index < this.#slotCount; index++) if (!used.has(index)) return index;
    throw new RangeError(`the disk is full: all ${this.#slotCount} file slots are in use`);
  }

  /** The slot's blocks for these contents (only as many as the contents need). */
  #encodeSlot(slot: Slot): Uint8Array[] {
    const data = encoder.encode(slot.data);
    const size = this.#disk.blockSize;
    const first = new Uint8Array(Math.min(size, SLOT_HEADER_BYTES + data.length));
    first[0] = 1;
    first[1] = slot.name.length;
    first.set(encoder.encode(slot.name), 2);
    new DataView(first.buffer).setUint16(2 + MAX_NAME_LENGTH, data.length);
    first.set(data.subarray(0, first.length - SLOT_HEADER_BYTES), SLOT_HEADER_BYTES);
    const out = [first];
    for (let from = size - SLOT_HEADER_BYTES; from < data.length; from += size) out.push(data.slice(from, from + size));
    return out;
  }

  #slotBlock(index: number, block: number): number {
    return this.#firstSlotBlock + index * SLOT_BLOCKS + block;
  }
}
