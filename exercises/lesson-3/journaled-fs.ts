/**
 * Lesson 3 · naive journaling.
 *
 * Read lessons/lesson-3/README.md first. JournaledFS is a tiny file system on a
 * simulated disk. Everything about the disk layout is written for you: where the
 * journal and each file live, how records and inodes are encoded, validation, the
 * directory. What is left is the journaling protocol, in three TODOs: make a write
 * atomic, make a delete atomic, and recover after a power cut.
 * Then run `npm run check lesson-3`, and `npm run crash lesson-3` to watch your code
 * survive a power cut at every disk write.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../../lib/sim-disk.ts";
 * const disk = new SimDisk();
 * const fs = JournaledFS.mount(disk);       // formats the blank disk
 * fs.write("notes.txt", "hello world");
 * const again = JournaledFS.mount(disk.reboot());
 * again.read("notes.txt");                  // "hello world"
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";

// ---------------------------------------------------------------------------------
// On-disk layout (all written for you)
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
    const op: Operation = { kind: "write", slot, name, bytes };
    // TODO(lesson-3:write): make this write atomic and durable. If the power fails at any
    // disk write of this method, the next mount must find `name` wholly as it was before or
    // wholly as `op` says, never a mix; once write() returns, the new contents survive any
    // crash. Home blocks are overwritten in place and a crash there tears them, so they may
    // change only while the journal alone is enough to finish the job, and the journal must be
    // clean when write() returns so that no later mount redoes this operation over newer work.
    // delete() and recovery need the same machinery: write it as private methods. Label every
    // disk write (`labels`): the crash timelines print them. Reads must see the new file
    // (#directory). README: "The protocol" and "A write, disk write by disk write".
    throw todo("lesson-3:write");
  }

  delete(name: string): boolean {
    checkName(name);
    // TODO(lesson-3:delete): a missing file: return false and write nothing. Otherwise the
    // file disappears atomically and durably: a power cut at any disk write leaves it either
    // whole or gone after the next mount, never half, and once delete() returns it stays gone.
    // Reads no longer see it; return true. README: "Deleting".
    throw todo("lesson-3:delete");
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

  /** Runs at every mount of a used disk, before the directory is loaded. */
  #recover(): void {
    // TODO(lesson-3:recover): after recovery, an operation whose record the journal
    // committed is wholly at home, nothing else has changed, and the journal is clean. A power
    // cut at any disk write of recovery itself must leave a disk that the next mount recovers
    // to the same files. A clean journal needs no disk writes. The contents of a journaled
    // write can be read back with #journaledContents. README: "Recovery".
    throw todo("lesson-3:recover");
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
