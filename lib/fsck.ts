/**
 * fsck for lesson 6's file system: checks the on-disk invariants of the format in
 * `lib/metadata-fs-layout.ts`, reading the disk block by block, never through the code
 * under test. The hidden tests run it after every recovery, at every crash point.
 *
 * It checks the home locations, so it expects a recovered disk: a journal that still
 * holds a committed transaction is reported (e2fsck, too, replays the journal before it
 * checks anything). The invariants:
 * - the superblock describes this disk; the journal header is intact; the journal holds
 *   no committed transaction;
 * - the fixed regions (superblock, bitmap, inode table, journal) are marked in use;
 * - every inode is free or a file, except inode 0, the root directory;
 * - a file's size matches its block list (ceil(size / blockSize) blocks, at most the
 *   largest file); the root's size is its directory blocks × blockSize;
 * - every block an inode points at lies in the data area, has one owner only, and is
 *   marked in use (no block both free and in use);
 * - every data-area block marked in use has an owner (no leaked block);
 * - every directory entry has a valid, unique name and points at a file inode, and
 *   every file inode is named by exactly one entry (no orphan).
 *
 * @example
 * ```ts
 * import { fsck, assertFsckClean } from "../lib/fsck.ts";
 *
 * const report = fsck(disk);      // { ok: false, problems: ["block 90 is marked in use but nothing owns it (a leaked block)"], files: 3 }
 * assertFsckClean(disk);          // throws an Error listing the problems, if any
 * ```
 */
import type { SimDisk } from "./sim-disk.ts";
import {
  blockName, decodeDirBlock, decodeInode, decodeJournalHeader, INODE_COUNT, inodeLocation, isBlockUsed,
  readLayout, readTransaction, ROOT_INODE,
} from "./metadata-fs-layout.ts";
import type { Inode, Layout } from "./metadata-fs-layout.ts";

export interface FsckReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Each broken invariant, in words. */
  problems: string[];
  /** Directory entries found (files). */
  files: number;
}

const NAME = /^[A-Za-z0-9._-]{1,24}$/;

/** Checks every invariant of a recovered disk; never writes. */
export function fsck(disk: SimDisk): FsckReport {
  const problems: string[] = [];
  let layout: Layout | undefined;
  try {
    layout = readLayout(disk);
    if (!layout) problems.push("the disk is not formatted: block 0 is empty");
  } catch (error) {
    problems.push(`superblock: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!layout) return { ok: false, problems, files: 0 };
  const checker = new Checker(disk, layout, problems);
  checker.run();
  return { ok: problems.length === 0, problems, files: checker.files };
}

/** Throws an Error listing fsck's problems, when there are any. */
export function assertFsckClean(disk: SimDisk, when = ""): void {
  const report = fsck(disk);
  if (report.ok) return;
  const shown = report.problems.slice(0, 8).map((p) => `  - ${p}`);
  if (report.problems.length > shown.length) shown.push(`  … and ${report.problems.length - shown.length} more`);
  throw new Error([`fsck found ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}${when ? ` ${when}` : ""}:`, ...shown].join("\n"));
}

class Checker {
  files = 0;
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  readonly #problems: string[];
  /** Data-area block → who points at it. */
  readonly #owners = new Map<number, string>();

  constructor(disk: SimDisk, layout: Layout, problems: string[]) {
    this.#disk = disk;
    this.#layout = layout;
    this.#problems = problems;
  }

  run(): void {
    this.#checkJournal();
    const bitmap = this.#disk.read(this.#layout.bitmapBlock);
    this.#checkFixedRegions(bitmap);
    const inodes = this.#readInodes();
    const root = inodes[ROOT_INODE];
    const names = root ? this.#checkDirectory(root, inodes) : new Map<number, string>();
    this.#checkFiles(inodes, names);
    this.#checkBitmap(bitmap);
  }

  #problem(text: string): void {
    this.#problems.push(text);
  }

  #checkJournal(): void {
    let next: number;
    try {
      next = decodeJournalHeader(this.#disk.read(this.#layout.journalHeader));
    } catch {
      this.#problem(`the journal header (block ${this.#layout.journalHeader}) is damaged`);
      return;
    }
    const tx = readTransaction(this.#disk, this.#layout, 0, next);
    if (tx) this.#problem(`the journal still holds committed transaction ${tx.txid}: recovery did not replay it and empty the journal`);
  }

  #checkFixedRegions(bitmap: Uint8Array): void {
    for (let b = 0; b < this.#layout.dataStart; b++) {
      if (!isBlockUsed(bitmap, b)) this.#problem(`block ${b} (${blockName(this.#layout, b)}) is part of the fixed layout but marked free`);
    }
  }

  /** Decoded inodes; undefined where an inode is corrupt (already reported). */
  #readInodes(): (Inode | undefined)[] {
    const inodes: (Inode | undefined)[] = [];
    const blocks = new Map<number, Uint8Array>();
    for (let n = 0; n < INODE_COUNT; n++) {
      const { block, offset } = inodeLocation(this.#layout, n);
      if (!blocks.has(block)) blocks.set(block, this.#disk.read(block));
      const inode = decodeInode(blocks.get(block)!, offset);
      if (inode.kind === "corrupt") {
        this.#problem(`inode ${n} is corrupt: ${inode.why}`);
        inodes.push(undefined);
      } else if (n === ROOT_INODE && inode.kind !== "directory") {
        this.#problem(`inode 0 must be the root directory, but it is ${inode.kind === "free" ? "free" : "a file"}`);
        inodes.push(undefined);
      } else if (n !== ROOT_INODE && inode.kind === "directory") {
        this.#problem(`inode ${n} is a directory; only inode 0, the root, may be one`);
        inodes.push(undefined);
      } else {
        inodes.push(inode);
      }
    }
    return inodes;
  }

  /** Checks the root's blocks and entries; returns inode → the name that points at it. */
  #checkDirectory(root: Inode, inodes: readonly (Inode | undefined)[]): Map<number, string> {
    const { blockSize } = this.#layout;
    if (root.size !== root.blocks.length * blockSize) {
      this.#problem(`the root directory's size is ${root.size}, but its ${root.blocks.length} blocks hold ${root.blocks.length * blockSize} bytes`);
    }
    const named = new Map<number, string>();
    const seen = new Set<string>();
    for (const block of root.blocks) {
      if (!this.#claim(block, "the root directory")) continue;
      for (const entry of decodeDirBlock(this.#layout, this.#disk.read(block))) {
        const where = `directory entry ${JSON.stringify(entry.name)} (block ${block}, slot ${entry.slot})`;
        if (!NAME.test(entry.name)) this.#problem(`${where} has an invalid name`);
        if (seen.has(entry.name)) this.#problem(`${where}: the name appears twice in the directory`);
        seen.add(entry.name);
        this.files += 1;
        if (entry.inode >= INODE_COUNT) {
          this.#problem(`${where} points at inode ${entry.inode}, past the inode table`);
        } else if (inodes[entry.inode]?.kind !== "file") {
          this.#problem(`${where} points at inode ${entry.inode}, which is ${inodes[entry.inode] ? "free" : "corrupt"}`);
        } else if (named.has(entry.inode)) {
          this.#problem(`inode ${entry.inode} is named twice: ${JSON.stringify(named.get(entry.inode))} and ${JSON.stringify(entry.name)}`);
        } else {
          named.set(entry.inode, entry.name);
        }
      }
    }
    return named;
  }

  #checkFiles(inodes: readonly (Inode | undefined)[], names: ReadonlyMap<number, string>): void {
    const { blockSize, maxFileBytes } = this.#layout;
    inodes.forEach((inode, n) => {
      if (n === ROOT_INODE || !inode || inode.kind !== "file") return;
      const who = names.has(n) ? `inode ${n} (${names.get(n)})` : `inode ${n}`;
      if (!names.has(n)) this.#problem(`${who} is in use but no directory entry names it (an orphan)`);
      const expected = Math.ceil(inode.size / blockSize);
      if (inode.size > maxFileBytes) this.#problem(`${who} has size ${inode.size}, larger than a file can be (${maxFileBytes})`);
      if (inode.blocks.length !== expected) {
        this.#problem(`${who} has size ${inode.size}, which needs ${expected} blocks, but lists ${inode.blocks.length}`);
      }
      for (const block of inode.blocks) this.#claim(block, who);
    });
  }

  /** Records an owner for a block; reports blocks outside the data area or owned twice. */
  #claim(block: number, who: string): boolean {
    if (block < this.#layout.dataStart || block >= this.#layout.blocks) {
      this.#problem(`${who} points at block ${block}, outside the data area (blocks ${this.#layout.dataStart}..${this.#layout.blocks - 1})`);
      return false;
    }
    const owner = this.#owners.get(block);
    if (owner !== undefined) {
      this.#problem(`block ${block} is used twice: by ${owner} and by ${who}`);
      return false;
    }
    this.#owners.set(block, who);
    return true;
  }

  #checkBitmap(bitmap: Uint8Array): void {
    for (let b = this.#layout.dataStart; b < this.#layout.blocks; b++) {
      const owner = this.#owners.get(b);
      const used = isBlockUsed(bitmap, b);
      if (owner !== undefined && !used) this.#problem(`block ${b} is in use by ${owner} but marked free in the bitmap`);
      if (owner === undefined && used) this.#problem(`block ${b} is marked in use but nothing owns it (a leaked block)`);
    }
  }
}
