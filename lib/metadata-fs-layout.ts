/**
 * The on-disk format of lesson 6's metadata-journaling file system, shared by the
 * skeleton, the reference solution and `lib/fsck.ts`. Fixing it here is what lets fsck
 * (and the hidden tests) read any learner's disk.
 *
 * Regions, in block order:
 * ```
 * 0                superblock: magic, geometry, where every region starts
 * 1                block bitmap: bit b set = block b in use (fixed regions included)
 * 2 ..             inode table: 64 inodes of 32 bytes; inode 0 is the root directory
 * journalHeader    journal header: the id of the transaction expected at journal block 0
 * journalStart ..  the journal: transactions laid end to end, from its first block
 * dataStart ..     data area: file data blocks and directory blocks, from the bitmap
 * ```
 * A transaction in the journal is, in jbd2's order: a descriptor block (its id and the
 * home block of each metadata copy that follows), the copies, a revoke block when the
 * transaction frees metadata blocks, and a commit block. Only metadata is journaled:
 * file data goes straight to its home block. Every journal block starts with jbd2's
 * magic, a block type (jbd2's numbers) and the transaction id.
 *
 * Besides the encoders this module holds the namespace logic that is not the lesson's
 * point: `planTransaction()` turns a transaction's writes and deletes into new metadata
 * block images, file data writes, and the list of metadata blocks it frees.
 *
 * @example
 * ```ts
 * import { planLayout, encodeSuperblock, readLayout } from "../lib/metadata-fs-layout.ts";
 *
 * const layout = planLayout(disk, 64);            // RangeError when it does not fit
 * disk.write(0, encodeSuperblock(layout), "superblock");
 * readLayout(disk);                                // the same layout, read back
 * ```
 */
import type { SimDisk } from "./sim-disk.ts";

export const FS_MAGIC = 0x4f465336; // "OFS6"
/** jbd2's journal block magic. */
export const JOURNAL_MAGIC = 0xc03b3998;
/** Journal block types, numbered as jbd2 numbers them. */
export const BLOCK_TYPE = { descriptor: 1, commit: 2, header: 4, revoke: 5 } as const;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

export const ROOT_INODE = 0;
export const INODE_COUNT = 64;
export const INODE_SIZE = 32;
export const DIRENT_SIZE = 32;
export const DIRECT_POINTERS = 8;
export const MAX_NAME_LENGTH = 24;
export const MIN_BLOCK_SIZE = 256;
export const DEFAULT_JOURNAL_BLOCKS = 64;
/** Room for the largest single-file transaction: descriptor, 4 metadata blocks (or 3 and a revoke block), commit; and then some. */
export const MIN_JOURNAL_BLOCKS = 8;
/** Bytes before the first tag or revoke record in a journal block. */
const JOURNAL_BLOCK_HEADER = 16;

export interface Layout {
  readonly blocks: number;
  readonly blockSize: number;
  readonly bitmapBlock: number;
  readonly inodeStart: number;
  readonly inodeBlocks: number;
  readonly inodesPerBlock: number;
  readonly journalHeader: number;
  readonly journalStart: number;
  readonly journalBlocks: number;
  readonly dataStart: number;
  readonly direntsPerBlock: number;
  /** The largest file: every direct pointer used. */
  readonly maxFileBytes: number;
}

/** The layout a format of this disk with this journal size gets; RangeError when it cannot fit. */
export function planLayout(disk: { blocks: number; blockSize: number }, journalBlocks: number): Layout {
  const { blocks, blockSize } = disk;
  if (!Number.isInteger(journalBlocks) || journalBlocks < MIN_JOURNAL_BLOCKS) {
    throw new RangeError(`journalBlocks must be a whole number, at least ${MIN_JOURNAL_BLOCKS}; got ${String(journalBlocks)}`);
  }
  if (blockSize < MIN_BLOCK_SIZE) throw new RangeError(`blocks of ${blockSize} bytes are too small; at least ${MIN_BLOCK_SIZE}`);
  if (blocks > blockSize * 8 || blocks > 0xffff) throw new RangeError(`${blocks} blocks do not fit one bitmap block`);
  const inodesPerBlock = blockSize / INODE_SIZE;
  const inodeBlocks = Math.ceil(INODE_COUNT / inodesPerBlock);
  const journalHeader = 2 + inodeBlocks;
  const journalStart = journalHeader + 1;
  const dataStart = journalStart + journalBlocks;
  if (dataStart + DIRECT_POINTERS >= blocks) {
    throw new RangeError(`a journal of ${journalBlocks} blocks leaves too little room on a disk of ${blocks} blocks`);
  }
  return {
    blocks, blockSize, bitmapBlock: 1, inodeStart: 2, inodeBlocks, inodesPerBlock,
    journalHeader, journalStart, journalBlocks, dataStart,
    direntsPerBlock: Math.floor(blockSize / DIRENT_SIZE),
    maxFileBytes: DIRECT_POINTERS * blockSize,
  };
}

// ---------------------------------------------------------------- superblock

const SUPER_FIELDS = ["blocks", "blockSize", "inodeBlocks", "journalBlocks"] as const;

export function encodeSuperblock(layout: Layout): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * SUPER_FIELDS.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, FS_MAGIC);
  SUPER_FIELDS.forEach((field, i) => view.setUint32(4 + 4 * i, layout[field]));
  return bytes;
}

/**
 * The layout written on this disk, or undefined when block 0 is all zeros (never
 * formatted, or a format that crashed before its last write). Throws an Error when
 * block 0 holds something else, or a geometry that is not this disk's.
 */
export function readLayout(disk: SimDisk): Layout | undefined {
  const bytes = disk.read(0);
  if (bytes.every((b) => b === 0)) return undefined;
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0) !== FS_MAGIC) throw new Error("block 0 is not a lesson-6 superblock: this disk holds something else");
  const [blocks, blockSize, inodeBlocks, journalBlocks] = SUPER_FIELDS.map((_, i) => view.getUint32(4 + 4 * i));
  if (blocks !== disk.blocks || blockSize !== disk.blockSize) {
    throw new Error(`the superblock describes ${blocks} blocks of ${blockSize} bytes, but the disk has ${disk.blocks} of ${disk.blockSize}`);
  }
  const layout = planLayout(disk, journalBlocks);
  if (layout.inodeBlocks !== inodeBlocks) throw new Error("the superblock's inode table size does not match this format");
  return layout;
}

// ---------------------------------------------------------------- bitmap

export function isBlockUsed(bitmap: Uint8Array, block: number): boolean {
  return (bitmap[block >> 3] & (1 << (block & 7))) !== 0;
}

export function setBlockUsed(bitmap: Uint8Array, block: number, used: boolean): void {
  if (used) bitmap[block >> 3] |= 1 << (block & 7);
  else bitmap[block >> 3] &= ~(1 << (block & 7));
}

/** A bitmap image with the fixed regions (everything before the data area) in use. */
export function freshBitmap(layout: Layout): Uint8Array {
  const bitmap = new Uint8Array(layout.blockSize);
  for (let b = 0; b < layout.dataStart; b++) setBlockUsed(bitmap, b, true);
  return bitmap;
}

// ---------------------------------------------------------------- inodes

export type InodeKind = "free" | "file" | "directory";
export interface Inode {
  kind: InodeKind;
  /** Bytes of content; for the root directory, its blocks × blockSize. */
  size: number;
  /** Home blocks, in order (at most DIRECT_POINTERS). */
  blocks: number[];
}
const KIND_CODES: readonly InodeKind[] = ["free", "file", "directory"];

/** Which inode-table block holds inode n, and where in it. */
export function inodeLocation(layout: Layout, inode: number): { block: number; offset: number } {
  return {
    block: layout.inodeStart + Math.floor(inode / layout.inodesPerBlock),
    offset: (inode % layout.inodesPerBlock) * INODE_SIZE,
  };
}

/** Decodes an inode; an unknown kind or pointer count decodes as kind "corrupt" for fsck. */
export function decodeInode(image: Uint8Array, offset: number): Inode | { kind: "corrupt"; why: string } {
  const view = new DataView(image.buffer, image.byteOffset + offset, INODE_SIZE);
  const kind = KIND_CODES[view.getUint8(0)];
  const count = view.getUint8(1);
  if (kind === undefined) return { kind: "corrupt", why: `unknown inode kind ${view.getUint8(0)}` };
  if (count > DIRECT_POINTERS) return { kind: "corrupt", why: `${count} block pointers (at most ${DIRECT_POINTERS})` };
  const blocks = Array.from({ length: count }, (_, i) => view.getUint16(8 + 2 * i));
  return { kind, size: view.getUint32(4), blocks };
}

export function encodeInode(image: Uint8Array, offset: number, inode: Inode): void {
  image.fill(0, offset, offset + INODE_SIZE);
  if (inode.kind === "free") return;
  const view = new DataView(image.buffer, image.byteOffset + offset, INODE_SIZE);
  view.setUint8(0, KIND_CODES.indexOf(inode.kind));
  view.setUint8(1, inode.blocks.length);
  view.setUint32(4, inode.size);
  inode.blocks.forEach((b, i) => view.setUint16(8 + 2 * i, b));
}

// ---------------------------------------------------------------- directory blocks

/** One used slot of a directory block; inode 0 (the root) marks an empty slot. */
export interface DirEntry {
  slot: number;
  inode: number;
  name: string;
}

export function decodeDirBlock(layout: Layout, image: Uint8Array): DirEntry[] {
  const entries: DirEntry[] = [];
  const view = new DataView(image.buffer, image.byteOffset, image.length);
  for (let slot = 0; slot < layout.direntsPerBlock; slot++) {
    const at = slot * DIRENT_SIZE;
    const inode = view.getUint16(at);
    if (inode === ROOT_INODE) continue;
    const length = Math.min(view.getUint8(at + 2), MAX_NAME_LENGTH);
    entries.push({ slot, inode, name: DECODER.decode(image.subarray(at + 3, at + 3 + length)) });
  }
  return entries;
}

/** Fills a slot with an entry, or empties it when entry is undefined. */
export function encodeDirEntry(image: Uint8Array, slot: number, entry?: { inode: number; name: string }): void {
  const at = slot * DIRENT_SIZE;
  image.fill(0, at, at + DIRENT_SIZE);
  if (!entry) return;
  const name = ENCODER.encode(entry.name);
  new DataView(image.buffer, image.byteOffset).setUint16(at, entry.inode);
  image[at + 2] = name.length;
  image.set(name, at + 3);
}

// ---------------------------------------------------------------- names and contents

const NAME = /^[A-Za-z0-9._-]{1,24}$/;

/** TypeError for a non-string, RangeError for anything but 1–24 of [A-Za-z0-9._-]. */
export function checkName(name: unknown): string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1–24 characters of A-Z a-z 0-9 . _ -`);
  return name;
}

/** The contents as UTF-8; TypeError for a non-string, RangeError when larger than a file can be. */
export function encodeContents(layout: Layout, name: string, data: unknown): Uint8Array {
  if (typeof data !== "string") throw new TypeError(`the contents of ${name} must be a string, got ${typeof data}`);
  const bytes = ENCODER.encode(data);
  if (bytes.length > layout.maxFileBytes) {
    throw new RangeError(`${name}: ${bytes.length} bytes do not fit a file (at most ${layout.maxFileBytes})`);
  }
  return bytes;
}

// ---------------------------------------------------------------- journal blocks

function journalBlock(layout: { blockSize: number } | undefined, type: number, txid: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(layout?.blockSize ?? JOURNAL_BLOCK_HEADER);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, JOURNAL_MAGIC);
  view.setUint32(4, type);
  view.setUint32(8, txid);
  return { bytes, view };
}

/** Header, type and id of a journal block, or undefined when it is not one. */
function readJournalBlock(bytes: Uint8Array): { type: number; txid: number; view: DataView } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0) !== JOURNAL_MAGIC) return undefined;
  return { type: view.getUint32(4), txid: view.getUint32(8), view };
}

/** The journal header says which transaction id is expected at journal block 0. */
export function encodeJournalHeader(nextTxid: number): Uint8Array {
  return journalBlock(undefined, BLOCK_TYPE.header, nextTxid).bytes;
}

/** The id expected at journal block 0; throws when the block is not a journal header. */
export function decodeJournalHeader(bytes: Uint8Array): number {
  const block = readJournalBlock(bytes);
  if (!block || block.type !== BLOCK_TYPE.header || block.txid < 1) throw new Error("the journal header is damaged");
  return block.txid;
}

/** Most home block numbers (or revoke records) one journal block can list. */
export function recordsPerBlock(layout: Layout): number {
  return (layout.blockSize - JOURNAL_BLOCK_HEADER) / 2;
}

function listBlock(layout: Layout, type: number, txid: number, blocks: readonly number[], flags: number): Uint8Array {
  if (blocks.length > recordsPerBlock(layout)) throw new RangeError(`${blocks.length} records do not fit one journal block`);
  const { bytes, view } = journalBlock(layout, type, txid);
  view.setUint16(12, blocks.length);
  view.setUint16(14, flags);
  blocks.forEach((b, i) => view.setUint16(JOURNAL_BLOCK_HEADER + 2 * i, b));
  return bytes;
}

function readList(view: DataView): number[] {
  const count = view.getUint16(12);
  return Array.from({ length: count }, (_, i) => view.getUint16(JOURNAL_BLOCK_HEADER + 2 * i));
}

/** Opens a transaction: the home block of each copy that follows, and whether a revoke block follows them. */
export function encodeDescriptor(layout: Layout, txid: number, homeBlocks: readonly number[], hasRevokeBlock: boolean): Uint8Array {
  return listBlock(layout, BLOCK_TYPE.descriptor, txid, homeBlocks, hasRevokeBlock ? 1 : 0);
}

/** Revoke records: journaled copies of these blocks in this transaction or earlier ones must not be replayed. */
export function encodeRevokeBlock(layout: Layout, txid: number, blocks: readonly number[]): Uint8Array {
  return listBlock(layout, BLOCK_TYPE.revoke, txid, blocks, 0);
}

/** Closes a transaction: once this block is on disk, the transaction has happened. */
export function encodeCommit(layout: Layout, txid: number): Uint8Array {
  return journalBlock(layout, BLOCK_TYPE.commit, txid).bytes;
}

/** Journal blocks a transaction takes: descriptor, copies, a revoke block if it frees metadata, commit. */
export function transactionLength(metadataBlocks: number, revokes: number): number {
  return 2 + metadataBlocks + (revokes > 0 ? 1 : 0);
}

/** A complete, committed transaction found in the journal. */
export interface JournalTransaction {
  txid: number;
  /** Journal position (0 = journalStart) of its descriptor. */
  position: number;
  /** Journal blocks it takes, descriptor to commit. */
  length: number;
  /** Home block of each metadata copy, in journal order. */
  homeBlocks: number[];
  /** Disk block holding the copy of homeBlocks[i]. */
  copies: number[];
  /** Blocks this transaction revokes. */
  revokes: number[];
}

/**
 * Reads the transaction that should start at journal position `position` with id `txid`.
 * Returns undefined unless a descriptor with that id is there AND its commit block (same
 * id, right after the copies and the revoke block) is too: a transaction without its
 * commit never happened. Blocks left over from before a checkpoint carry older ids, so
 * they never match.
 */
export function readTransaction(disk: SimDisk, layout: Layout, position: number, txid: number): JournalTransaction | undefined {
  const at = (p: number) => layout.journalStart + p;
  if (position + 2 > layout.journalBlocks) return undefined;
  const descriptor = readJournalBlock(disk.read(at(position)));
  if (!descriptor || descriptor.type !== BLOCK_TYPE.descriptor || descriptor.txid !== txid) return undefined;
  const homeBlocks = readList(descriptor.view);
  const hasRevokeBlock = descriptor.view.getUint16(14) === 1;
  const length = 2 + homeBlocks.length + (hasRevokeBlock ? 1 : 0);
  if (position + length > layout.journalBlocks) return undefined;
  let revokes: number[] = [];
  if (hasRevokeBlock) {
    const revoke = readJournalBlock(disk.read(at(position + 1 + homeBlocks.length)));
    if (!revoke || revoke.type !== BLOCK_TYPE.revoke || revoke.txid !== txid) return undefined;
    revokes = readList(revoke.view);
  }
  const commit = readJournalBlock(disk.read(at(position + length - 1)));
  if (!commit || commit.type !== BLOCK_TYPE.commit || commit.txid !== txid) return undefined;
  const copies = homeBlocks.map((_, i) => at(position + 1 + i));
  return { txid, position, length, homeBlocks, copies, revokes };
}

// ---------------------------------------------------------------- names of blocks, for write labels

/** "bitmap", "inode block 2", "journal block 5", "block 90": what a home block is, for labels. */
export function blockName(layout: Layout, block: number): string {
  if (block === 0) return "superblock";
  if (block === layout.bitmapBlock) return "bitmap";
  if (block >= layout.inodeStart && block < layout.inodeStart + layout.inodeBlocks) return `inode block ${block - layout.inodeStart}`;
  if (block === layout.journalHeader) return "journal header";
  if (block >= layout.journalStart && block < layout.dataStart) return `journal block ${block - layout.journalStart}`;
  return `block ${block}`;
}

// ---------------------------------------------------------------- planning a transaction

export type FileOp = { kind: "write"; name: string; bytes: Uint8Array } | { kind: "delete"; name: string };

export interface DataWrite {
  block: number;
  bytes: Uint8Array;
  /** "data block 1 of 2 of notes.txt" */
  label: string;
}

export interface TransactionPlan {
  /** The new image of every metadata block the transaction changes, by home block, ascending. */
  metadata: Map<number, Uint8Array>;
  /** What each metadata block is, for labels: "bitmap", "inode block 0", "directory block 90". */
  names: Map<number, string>;
  /** File contents to write to newly allocated blocks. */
  dataWrites: DataWrite[];
  /**
   * Directory blocks this transaction frees. Earlier transactions may have journaled them,
   * and the block may become file data soon after this transaction commits. They are
   * not in `metadata`.
   */
  freedMetadata: number[];
}

/**
 * Applies writes and deletes, in order, to copies of the committed metadata images
 * (`images`: bitmap, inode blocks and directory blocks, by home block) and says what
 * the transaction must write. Never changes `images`. Allocation takes the lowest free
 * block of the data area, never one that this same transaction freed (its old owner is
 * still the committed truth until the commit). A directory block emptied by a delete is
 * freed. Throws a RangeError, having changed nothing, when the disk, the inode table or
 * the directory is full.
 */
export function planTransaction(layout: Layout, images: ReadonlyMap<number, Uint8Array>, ops: readonly FileOp[]): TransactionPlan {
  return new Planner(layout, images).run(ops);
}

class Planner {
  readonly #layout: Layout;
  readonly #images: ReadonlyMap<number, Uint8Array>;
  readonly #changed = new Map<number, Uint8Array>();
  readonly #dirBlockNames = new Set<number>();
  /** Blocks freed by this transaction: not reusable before it commits. */
  readonly #busy = new Set<number>();
  readonly #freedMetadata: number[] = [];
  #dataWrites: DataWrite[] = [];

  constructor(layout: Layout, images: ReadonlyMap<number, Uint8Array>) {
    this.#layout = layout;
    this.#images = images;
  }

  run(ops: readonly FileOp[]): TransactionPlan {
    for (const op of ops) {
      if (op.kind === "write") this.#write(op.name, op.bytes);
      else this.#delete(op.name);
    }
    const metadata = new Map<number, Uint8Array>();
    const names = new Map<number, string>();
    for (const block of [...this.#changed.keys()].sort((a, b) => a - b)) {
      const image = this.#changed.get(block)!;
      const before = this.#images.get(block);
      const isNew = this.#dirBlockNames.has(block);
      if (!isNew && before && sameBytes(before, image)) continue;
      metadata.set(block, image);
      names.set(block, isNew || this.#isDirBlock(block) ? `directory block ${block}` : blockName(this.#layout, block));
    }
    return { metadata, names, dataWrites: this.#dataWrites, freedMetadata: this.#freedMetadata };
  }

  #isDirBlock(block: number): boolean {
    return block >= this.#layout.dataStart;
  }

  /** The image this transaction sees, copied on first change. */
  #image(block: number): Uint8Array {
    let image = this.#changed.get(block);
    if (!image) {
      const committed = this.#images.get(block);
      if (!committed) throw new Error(`no committed image of metadata block ${block}`);
      image = committed.slice();
      this.#changed.set(block, image);
    }
    return image;
  }

  #peek(block: number): Uint8Array {
    return this.#changed.get(block) ?? this.#images.get(block)!;
  }

  #inode(n: number): Inode {
    const { block, offset } = inodeLocation(this.#layout, n);
    const inode = decodeInode(this.#peek(block), offset);
    if (inode.kind === "corrupt") throw new Error(`inode ${n} is corrupt: ${inode.why}`);
    return inode;
  }

  #setInode(n: number, inode: Inode): void {
    const { block, offset } = inodeLocation(this.#layout, n);
    encodeInode(this.#image(block), offset, inode);
  }

  #find(name: string): { dirBlock: number; slot: number; inode: number } | undefined {
    for (const dirBlock of this.#inode(ROOT_INODE).blocks) {
      const entry = decodeDirBlock(this.#layout, this.#peek(dirBlock)).find((e) => e.name === name);
      if (entry) return { dirBlock, slot: entry.slot, inode: entry.inode };
    }
    return undefined;
  }

  #write(name: string, bytes: Uint8Array): void {
    const found = this.#find(name);
    const inode = found ? found.inode : this.#allocateInode(name);
    if (found) this.#freeBlocks(this.#inode(inode).blocks);
    else this.#addEntry(name, inode);
    const count = Math.ceil(bytes.length / this.#layout.blockSize);
    const blocks = this.#allocateBlocks(count, `${name} needs ${count} blocks`);
    this.#setInode(inode, { kind: "file", size: bytes.length, blocks });
    blocks.forEach((block, i) => {
      const chunk = bytes.subarray(i * this.#layout.blockSize, (i + 1) * this.#layout.blockSize);
      this.#dataWrites.push({ block, bytes: chunk, label: `data block ${i + 1} of ${count} of ${name}` });
    });
  }

  #delete(name: string): void {
    const found = this.#find(name);
    if (!found) return;
    this.#freeBlocks(this.#inode(found.inode).blocks);
    this.#setInode(found.inode, { kind: "free", size: 0, blocks: [] });
    encodeDirEntry(this.#image(found.dirBlock), found.slot);
    if (decodeDirBlock(this.#layout, this.#peek(found.dirBlock)).length === 0) this.#freeDirBlock(found.dirBlock);
  }

  #allocateInode(name: string): number {
    for (let n = ROOT_INODE + 1; n < INODE_COUNT; n++) {
      if (this.#inode(n).kind === "free") {
        this.#setInode(n, { kind: "file", size: 0, blocks: [] });
        return n;
      }
    }
    throw new RangeError(`no free inode for ${name}: the file system holds at most ${INODE_COUNT - 1} files`);
  }

  #addEntry(name: string, inode: number): void {
    const root = this.#inode(ROOT_INODE);
    for (const dirBlock of root.blocks) {
      const used = new Set(decodeDirBlock(this.#layout, this.#peek(dirBlock)).map((e) => e.slot));
      for (let slot = 0; slot < this.#layout.direntsPerBlock; slot++) {
        if (!used.has(slot)) return encodeDirEntry(this.#image(dirBlock), slot, { inode, name });
      }
    }
    if (root.blocks.length >= DIRECT_POINTERS) throw new RangeError(`the directory is full: no room for ${name}`);
    const [dirBlock] = this.#allocateBlocks(1, `a new directory block for ${name}`);
    const image = new Uint8Array(this.#layout.blockSize);
    encodeDirEntry(image, 0, { inode, name });
    this.#changed.set(dirBlock, image);
    this.#dirBlockNames.add(dirBlock);
    const blocks = [...root.blocks, dirBlock];
    this.#setInode(ROOT_INODE, { kind: "directory", size: blocks.length * this.#layout.blockSize, blocks });
  }

  #freeDirBlock(dirBlock: number): void {
    const root = this.#inode(ROOT_INODE);
    const blocks = root.blocks.filter((b) => b !== dirBlock);
    this.#setInode(ROOT_INODE, { kind: "directory", size: blocks.length * this.#layout.blockSize, blocks });
    this.#changed.delete(dirBlock);
    this.#freeBlocks([dirBlock]);
    this.#freedMetadata.push(dirBlock);
  }

  #allocateBlocks(count: number, what: string): number[] {
    const bitmap = this.#peek(this.#layout.bitmapBlock);
    const found: number[] = [];
    for (let b = this.#layout.dataStart; b < this.#layout.blocks && found.length < count; b++) {
      if (!isBlockUsed(bitmap, b) && !this.#busy.has(b)) found.push(b);
    }
    if (found.length < count) throw new RangeError(`the disk is full: ${what}, ${found.length} are free`);
    const image = this.#image(this.#layout.bitmapBlock);
    for (const b of found) setBlockUsed(image, b, true);
    return found;
  }

  #freeBlocks(blocks: readonly number[]): void {
    const image = this.#image(this.#layout.bitmapBlock);
    for (const b of blocks) {
      setBlockUsed(image, b, false);
      this.#busy.add(b);
    }
    // Contents written earlier in this transaction to a block it now frees are moot.
    this.#dataWrites = this.#dataWrites.filter((w) => !blocks.includes(w.block));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
