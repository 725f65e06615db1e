/**
 * The lesson 3 file system WITHOUT its journal: the control group of `npm run crash`.
 *
 * `UnjournaledFS` has JournaledFS's API (static mount, write, delete, read, list), its
 * name and size rules and its on-disk layout (superblock, a journal area it never uses,
 * one slot per file: an inode block and up to three data blocks). A write goes straight
 * home: the data blocks first, then the inode. That order makes a new file appear whole
 * or not at all, but an overwrite still changes the old contents block by block, so a
 * crash in the middle leaves a torn file: some blocks new, some old, under whichever
 * length the inode holds. The crash explorer finds exactly that.
 *
 * Deliberately broken: do not copy it into a lesson.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../sim-disk.ts";
 * const disk = new SimDisk();
 * const fs = UnjournaledFS.mount(disk);
 * fs.write("notes.txt", "a".repeat(1200));
 * disk.crashAfter(1);                 // the overwrite below gets one block out
 * try { fs.write("notes.txt", "b".repeat(1200)); } catch { }
 * UnjournaledFS.mount(disk.reboot()).read("notes.txt"); // 512 "b"s, then 688 "a"s: torn
 * ```
 */
import type { SimDisk } from "../sim-disk.ts";

const MAX_FILE_BYTES = 1536;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const MAGIC = [0x4a, 0x46, 0x53, 0x33]; // "JFS3", the same superblock as lesson 3's
const JOURNAL_DATA = 2;

interface Layout {
  blockSize: number;
  dataBlocksPerFile: number;
  slots: number;
}

export class UnjournaledFS {
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  readonly #directory = new Map<string, number>();

  private constructor(disk: SimDisk, layout: Layout) {
    this.#disk = disk;
    this.#layout = layout;
  }

  /** Formats a blank disk; on a used one just reads the inodes (there is nothing to recover). */
  static mount(disk: SimDisk): UnjournaledFS {
    const dataBlocksPerFile = Math.ceil(MAX_FILE_BYTES / disk.blockSize);
    const slots = Math.floor((disk.blocks - JOURNAL_DATA - dataBlocksPerFile) / (1 + dataBlocksPerFile));
    if (disk.blockSize < 64 || slots < 1) throw new RangeError("this disk is too small for UnjournaledFS");
    const fs = new UnjournaledFS(disk, { blockSize: disk.blockSize, dataBlocksPerFile, slots });
    if (disk.read(0).every((b) => b === 0)) {
      const superblock = new Uint8Array(16);
      superblock.set(MAGIC, 0);
      new DataView(superblock.buffer).setUint16(4, slots);
      new DataView(superblock.buffer).setUint16(6, dataBlocksPerFile);
      disk.write(0, superblock, "superblock (format)");
    }
    for (let slot = 0; slot < slots; slot++) {
      const inode = disk.read(fs.#inodeBlock(slot));
      if (inode[0] === 1) fs.#directory.set(new TextDecoder().decode(inode.subarray(2, 2 + inode[1])), slot);
    }
    return fs;
  }

  write(name: string, data: string): void {
    checkName(name);
    if (typeof data !== "string") throw new TypeError(`file contents must be a string, got ${typeof data}`);
    const bytes = new TextEncoder().encode(data);
    if (bytes.length > MAX_FILE_BYTES) throw new RangeError(`contents of ${bytes.length} bytes are too large (at most ${MAX_FILE_BYTES})`);
    const slot = this.#directory.get(name) ?? this.#freeSlot(name);
    const size = this.#layout.blockSize;
    const count = Math.ceil(bytes.length / size);
    for (let i = 0; i < count; i++) {
      this.#disk.write(this.#inodeBlock(slot) + 1 + i, bytes.subarray(i * size, (i + 1) * size), `data block ${i + 1} of ${count} of ${name}`);
    }
    const inode = new Uint8Array(28);
    const nameBytes = new TextEncoder().encode(name);
    inode[0] = 1;
    inode[1] = nameBytes.length;
    inode.set(nameBytes, 2);
    new DataView(inode.buffer).setUint16(26, bytes.length);
    this.#disk.write(this.#inodeBlock(slot), inode, `inode of ${name} (${bytes.length} bytes)`);
    this.#directory.set(name, slot);
  }

  delete(name: string): boolean {
    checkName(name);
    const slot = this.#directory.get(name);
    if (slot === undefined) return false;
    this.#disk.write(this.#inodeBlock(slot), new Uint8Array(0), `inode of ${name}: free`);
    this.#directory.delete(name);
    return true;
  }

  read(name: string): string | undefined {
    checkName(name);
    const slot = this.#directory.get(name);
    if (slot === undefined) return undefined;
    const inode = this.#disk.read(this.#inodeBlock(slot));
    const byteLength = new DataView(inode.buffer).getUint16(26);
    const bytes = new Uint8Array(byteLength);
    const size = this.#layout.blockSize;
    for (let at = 0; at < byteLength; at += size) {
      bytes.set(this.#disk.read(this.#inodeBlock(slot) + 1 + at / size).subarray(0, Math.min(size, byteLength - at)), at);
    }
    return new TextDecoder().decode(bytes);
  }

  list(): string[] {
    return [...this.#directory.keys()].sort();
  }

  #inodeBlock(slot: number): number {
    return JOURNAL_DATA + this.#layout.dataBlocksPerFile + slot * (1 + this.#layout.dataBlocksPerFile);
  }

  #freeSlot(name: string): number {
    const used = new Set(this.#directory.values());
    for (let slot = 0; slot < this.#layout.slots; slot++) if (!used.has(slot)) return slot;
    throw new RangeError(`the disk is full, so ${name} cannot be created`);
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1–24 characters of A-Z a-z 0-9 . _ -`);
}
