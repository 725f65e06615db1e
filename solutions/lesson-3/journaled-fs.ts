/**
 * Lesson 3 · naive journaling (reference solution).
 *
 * A tiny file system on a SimDisk whose every write and delete is atomic and durable:
 * a crash at any disk write leaves each file as it was before the interrupted operation
 * or as it is after it, never a mix, and loses no completed operation.
 *
 * The protocol (README "The protocol"): write the whole intended change to the journal,
 * the journal header last (that write is the commit point); apply it to the file's home
 * blocks; clear the header. Recovery, on every mount of a used disk, redoes what the
 * journal still holds and then clears it. Redo writes whole blocks with absolute
 * contents, so doing it twice, or crashing in the middle of it, is harmless.
 *
 * Contract (DESIGN.md, "lesson-3"): names are 1–24 characters of [A-Za-z0-9._-]
 * (non-string: TypeError; bad name: RangeError); contents up to 1536 UTF-8 bytes
 * (larger: RangeError); a full disk throws RangeError; invalid input and a full disk
 * change nothing on disk.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../../lib/sim-disk.ts";
 * const disk = new SimDisk();
 * const fs = JournaledFS.mount(disk);       // formats the blank disk
 * fs.write("notes.txt", "hello world");
 * const again = JournaledFS.mount(disk.reboot());
 * again.read("notes.txt");                  // "hello world"
 * again.list();                             // ["notes.txt"]
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";

// ---------------------------------------------------------------------------------
// On-disk layout (the skeleton gives all of this)
//
//   block 0                  superblock: magic "JFS3" and the geometry below
//   block 1                  journal header: empty, or the record of one operation
//   blocks 2 .. 2+D-1        journal data: a copy of the new contents of a write
//   then one slot per file:  an inode block (name, length), then D data blocks
//
// D = dataBlocksPerFile = ceil(MAX_FILE_BYTES / blockSize): 3 on the default disk.
// ---------------------------------------------------------------------------------

/** Largest contents a file may hold, in UTF-8 bytes (three 512-byte blocks). */
const MAX_FILE_BYTES = 1536;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const MAGIC = [0x4a, 0x46, 0x53, 0x33]; // "JFS3"
const SUPERBLOCK = 0;
const JOURNAL_HEADER = 1;
const JOURNAL_DATA = 2;
/** Journal header kinds (byte 0 of block 1). */
const EMPTY = 0;
const WRITE = 1;
const DELETE = 2;

/** One operation, as the journal records it and as apply() installs it. */
type Operation =
  | { kind: "write"; slot: number; name: string; bytes: Uint8Array }
  | { kind: "delete"; slot: number; name: string };

interface Layout {
  blockSize: number;
  dataBlocksPerFile: number;
  slots: number;
}

function layoutOf(disk: SimDisk): Layout {
  if (disk.blockSize < 64) throw new RangeError(`JournaledFS needs blocks of at least 64 bytes, not ${disk.blockSize}`);
  const dataBlocksPerFile = Math.ceil(MAX_FILE_BYTES / disk.blockSize);
  const slots = Math.floor((disk.blocks - JOURNAL_DATA - dataBlocksPerFile) / (1 + dataBlocksPerFile));
  if (slots < 1) throw new RangeError(`a disk of ${disk.blocks} blocks is too small for JournaledFS`);
  return { blockSize: disk.blockSize, dataBlocksPerFile, slots };
}

function inodeBlockOf(layout: Layout, slot: number): number {
  return JOURNAL_DATA + layout.dataBlocksPerFile + slot * (1 + layout.dataBlocksPerFile);
}

/** The home of data block `i` (0-based) of the file in `slot`. */
function dataBlockOf(layout: Layout, slot: number, i: number): number {
  return inodeBlockOf(layout, slot) + 1 + i;
}

function blocksFor(byteLength: number, blockSize: number): number {
  return Math.ceil(byteLength / blockSize);
}

/** Contents cut into block-sized pieces (none for empty contents). */
function splitIntoBlocks(bytes: Uint8Array, blockSize: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += blockSize) pieces.push(bytes.subarray(at, at + blockSize));
  return pieces;
}

function encodeSuperblock(layout: Layout): Uint8Array {
  const block = new Uint8Array(16);
  block.set(MAGIC, 0);
  const view = new DataView(block.buffer);
  view.setUint16(4, layout.slots);
  view.setUint16(6, layout.dataBlocksPerFile);
  return block;
}

function isBlank(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}

function checkSuperblock(block: Uint8Array, layout: Layout): void {
  const view = new DataView(block.buffer, block.byteOffset);
  const ok = MAGIC.every((b, i) => block[i] === b) && view.getUint16(4) === layout.slots && view.getUint16(6) === layout.dataBlocksPerFile;
  if (!ok) throw new Error("this disk holds something other than a JournaledFS of this size; use a blank disk");
}

/** Inode: byte 0 used (1) or free (0), byte 1 name length, 2..25 name, 26..27 byte length. */
function encodeInode(name: string, byteLength: number): Uint8Array {
  const block = new Uint8Array(28);
  const nameBytes = new TextEncoder().encode(name);
  block[0] = 1;
  block[1] = nameBytes.length;
  block.set(nameBytes, 2);
  new DataView(block.buffer).setUint16(26, byteLength);
  return block;
}

function decodeInode(block: Uint8Array): { name: string; byteLength: number } | undefined {
  if (block[0] !== 1) return undefined;
  const name = new TextDecoder().decode(block.subarray(2, 2 + block[1]));
  return { name, byteLength: new DataView(block.buffer, block.byteOffset).getUint16(26) };
}

/** Journal header: byte 0 kind, 2..3 slot, 4..5 byte length, 6 name length, 8..31 name. */
function encodeJournalHeader(op: Operation): Uint8Array {
  const block = new Uint8Array(32);
  const view = new DataView(block.buffer);
  const nameBytes = new TextEncoder().encode(op.name);
  block[0] = op.kind === "write" ? WRITE : DELETE;
  view.setUint16(2, op.slot);
  view.setUint16(4, op.kind === "write" ? op.bytes.length : 0);
  block[6] = nameBytes.length;
  block.set(nameBytes, 8);
  return block;
}

/** The operation a journal header records, without its contents; undefined when empty. */
function decodeJournalHeader(block: Uint8Array): { kind: "write" | "delete"; slot: number; name: string; byteLength: number } | undefined {
  if (block[0] === EMPTY) return undefined;
  const view = new DataView(block.buffer, block.byteOffset);
  const name = new TextDecoder().decode(block.subarray(8, 8 + block[6]));
  return { kind: block[0] === WRITE ? "write" : "delete", slot: view.getUint16(2), name, byteLength: view.getUint16(4) };
}

/** Labels for disk writes: a failing crash test shows them in its timeline. */
const labels = {
  format: "superblock (format)",
  journalData: (i: number, of: number, name: string) => `journal data ${i} of ${of} (${name})`,
  journalHeader: (op: Operation) => `journal header: ${op.kind} ${op.name} (commit)`,
  clear: "journal header: clear",
  data: (i: number, of: number, name: string) => `data block ${i} of ${of} of ${name}`,
  inode: (name: string, byteLength: number) => `inode of ${name} (${byteLength} bytes)`,
  freeInode: (name: string) => `inode of ${name}: free`,
};

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) {
    throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1–24 characters of A-Z a-z 0-9 . _ -`);
  }
}

function encodeContents(data: unknown): Uint8Array {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, got ${typeof data}`);
  const bytes = new TextEncoder().encode(data);
  if (bytes.length > MAX_FILE_BYTES) {
    throw new RangeError(`contents of ${bytes.length} bytes are too large: a file holds at most ${MAX_FILE_BYTES} bytes`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------
// The file system
// ---------------------------------------------------------------------------------

export class JournaledFS {
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  /** name -> slot, rebuilt from the inodes at mount. */
  readonly #directory = new Map<string, number>();

  private constructor(disk: SimDisk, layout: Layout) {
    this.#disk = disk;
    this.#layout = layout;
  }

  /** Formats a blank disk, or recovers a used one, then loads the directory. */
  static mount(disk: SimDisk): JournaledFS {
    const layout = layoutOf(disk);
    const fs = new JournaledFS(disk, layout);
    const superblock = disk.read(SUPERBLOCK);
    if (isBlank(superblock)) {
      // A new SimDisk is all zeros: an empty journal and free inodes already. A real
      // mkfs would zero them; here writing the superblock is the whole format.
      disk.write(SUPERBLOCK, encodeSuperblock(layout), labels.format);
    } else {
      checkSuperblock(superblock, layout);
      fs.#recover();
    }
    fs.#loadDirectory();
    return fs;
  }

  write(name: string, data: string): void {
    checkName(name);
    const bytes = encodeContents(data);
    const slot = this.#directory.get(name) ?? this.#freeSlot(name);
    this.#commit({ kind: "write", slot, name, bytes });
    this.#directory.set(name, slot);
  }

  delete(name: string): boolean {
    checkName(name);
    const slot = this.#directory.get(name);
    if (slot === undefined) return false;
    this.#commit({ kind: "delete", slot, name });
    this.#directory.delete(name);
    return true;
  }

  read(name: string): string | undefined {
    checkName(name);
    const slot = this.#directory.get(name);
    if (slot === undefined) return undefined;
    const inode = decodeInode(this.#disk.read(inodeBlockOf(this.#layout, slot)));
    if (inode === undefined) return undefined;
    const bytes = new Uint8Array(inode.byteLength);
    for (let i = 0; i < blocksFor(inode.byteLength, this.#layout.blockSize); i++) {
      const block = this.#disk.read(dataBlockOf(this.#layout, slot, i));
      bytes.set(block.subarray(0, Math.min(this.#layout.blockSize, inode.byteLength - i * this.#layout.blockSize)), i * this.#layout.blockSize);
    }
    return new TextDecoder().decode(bytes);
  }

  list(): string[] {
    return [...this.#directory.keys()].sort();
  }

  /** The whole protocol for one operation: once #log returns, it will happen. */
  #commit(op: Operation): void {
    this.#log(op);
    this.#apply(op);
    this.#clear();
  }

  /** Step 1: the new contents into the journal, then the header, whose write commits. */
  #log(op: Operation): void {
    if (op.kind === "write") {
      const pieces = splitIntoBlocks(op.bytes, this.#layout.blockSize);
      pieces.forEach((piece, i) => {
        this.#disk.write(JOURNAL_DATA + i, piece, labels.journalData(i + 1, pieces.length, op.name));
      });
    }
    // The barrier matters on a real disk: the header must never reach the platter
    // before the data it vouches for (in the ordered model flush() changes nothing).
    this.#disk.flush();
    this.#disk.write(JOURNAL_HEADER, encodeJournalHeader(op), labels.journalHeader(op));
    this.#disk.flush();
  }

  /** Step 2: install the operation at home. Whole blocks, absolute contents: idempotent. */
  #apply(op: Operation): void {
    const inode = inodeBlockOf(this.#layout, op.slot);
    if (op.kind === "delete") {
      this.#disk.write(inode, new Uint8Array(0), labels.freeInode(op.name));
    } else {
      // Data before the inode, so even this step alone never shows a name with no data.
      const pieces = splitIntoBlocks(op.bytes, this.#layout.blockSize);
      pieces.forEach((piece, i) => {
        this.#disk.write(dataBlockOf(this.#layout, op.slot, i), piece, labels.data(i + 1, pieces.length, op.name));
      });
      this.#disk.write(inode, encodeInode(op.name, op.bytes.length), labels.inode(op.name, op.bytes.length));
    }
    this.#disk.flush();
  }

  /** Step 3: the operation is home, so its record may go. */
  #clear(): void {
    this.#disk.write(JOURNAL_HEADER, new Uint8Array(0), labels.clear);
    this.#disk.flush();
  }

  /** Redo what the journal holds, then clear it. Safe to crash anywhere and run again. */
  #recover(): void {
    const record = decodeJournalHeader(this.#disk.read(JOURNAL_HEADER));
    if (record === undefined) return;
    if (record.kind === "delete") {
      this.#apply({ kind: "delete", slot: record.slot, name: record.name });
    } else {
      this.#apply({ kind: "write", slot: record.slot, name: record.name, bytes: this.#journaledContents(record.byteLength) });
    }
    this.#clear();
  }

  /** The contents a committed write record holds in the journal data blocks. */
  #journaledContents(byteLength: number): Uint8Array {
    const bytes = new Uint8Array(byteLength);
    const size = this.#layout.blockSize;
    for (let i = 0; i < blocksFor(byteLength, size); i++) {
      bytes.set(this.#disk.read(JOURNAL_DATA + i).subarray(0, Math.min(size, byteLength - i * size)), i * size);
    }
    return bytes;
  }

  #loadDirectory(): void {
    for (let slot = 0; slot < this.#layout.slots; slot++) {
      const inode = decodeInode(this.#disk.read(inodeBlockOf(this.#layout, slot)));
      if (inode !== undefined) this.#directory.set(inode.name, slot);
    }
  }

  /** A slot no file uses; throws (before any write) when the disk is full. */
  #freeSlot(name: string): number {
    const used = new Set(this.#directory.values());
    for (let slot = 0; slot < this.#layout.slots; slot++) if (!used.has(slot)) return slot;
    throw new RangeError(`the disk is full: all ${this.#layout.slots} file slots are used, so ${name} cannot be created`);
  }
}
