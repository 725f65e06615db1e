/**
 * The on-disk format of lesson 7's copy-on-write file system, shared by the lesson's
 * code and by the checker in `cow-fsck.ts`. Every block number is a 16-bit integer, and 0
 * means "no block" (block 0 is a superblock, never a tree node).
 *
 * ```
 * block 0, block 1   superblock slots, written alternately (generation g lives in slot g % 2)
 *   "CWFS" · crc32 of bytes 8.. · generation · lastTxid · nextSnapshotId · disk blocks ·
 *   block size · root · refcount-table block list · snapshot list (id, root)
 * refcount table     one 16-bit count per disk block, spread over ceil(blocks*2/blockSize)
 *                    blocks; counts pointers from tree nodes, superblock roots and
 *                    snapshot roots. Superblocks and the table's own blocks count 0.
 * root node          BUCKETS pointers to directory leaves (0 = empty bucket)
 * directory leaf     entries (name, inode), a name's bucket is bucketOf(name)
 * inode              file size in bytes, then the data block pointers in order
 * data block         raw bytes of the file, the last one zero-padded
 * ```
 * The tree has four levels: root -> leaf -> inode -> data. `childPointers(level, bytes)`
 * lists the pointers a node holds, which is all a walk or a reference count needs.
 *
 * @example
 * ```ts
 * import { decodeSuperblock, encodeSuperblock, encodeLeaf, decodeLeaf } from "./cow-layout.ts";
 *
 * const bytes = encodeSuperblock({ generation: 1, lastTxid: 0, nextSnapshotId: 1, blocks: 256,
 *   blockSize: 512, root: 3, refTable: [2], snapshots: [] });
 * decodeSuperblock(bytes)?.root;             // 3; undefined if a byte were corrupted
 * decodeLeaf(encodeLeaf([{ name: "a.txt", inode: 9 }], 512)); // [{ name: "a.txt", inode: 9 }]
 * ```
 */
import crc32Calculator from "crc/calculators/crc32";

export const SUPERBLOCK_SLOTS = [0, 1] as const;
export const BUCKETS = 16;
export const MAX_SNAPSHOTS = 32;
export const MAX_NAME_LENGTH = 24;
/** The largest count one refcount-table entry holds. */
export const MAX_REFCOUNT = 0xffff;

const MAGIC = [0x43, 0x57, 0x46, 0x53]; // "CWFS"
const NAME = /^[A-Za-z0-9._-]{1,24}$/;

export type Level = "root" | "leaf" | "inode" | "data";

export interface SnapshotEntry {
  readonly id: number;
  readonly root: number;
}

export interface Superblock {
  readonly generation: number;
  readonly lastTxid: number;
  readonly nextSnapshotId: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly root: number;
  /** The blocks holding the refcount table, in order. */
  readonly refTable: readonly number[];
  readonly snapshots: readonly SnapshotEntry[];
}

export interface LeafEntry {
  readonly name: string;
  readonly inode: number;
}

export interface Inode {
  readonly size: number;
  readonly blocks: readonly number[];
}

/** Blocks the refcount table of a disk needs. */
export function refTableLength(blocks: number, blockSize: number): number {
  return Math.ceil((blocks * 2) / blockSize);
}

/** Bytes a superblock needs; a disk whose superblock does not fit one block is refused. */
export function superblockBytes(refTableBlocks: number, snapshots: number): number {
  return 28 + 2 * refTableBlocks + 2 + 6 * snapshots;
}

// ---- superblock ------------------------------------------------------------------------

export function encodeSuperblock(sb: Superblock, blockSize = sb.blockSize): Uint8Array {
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  if (superblockBytes(sb.refTable.length, sb.snapshots.length) > blockSize) {
    throw new RangeError(`the superblock does not fit a ${blockSize}-byte block`);
  }
  bytes.set(MAGIC, 0);
  view.setUint32(8, sb.generation, true);
  view.setUint32(12, sb.lastTxid, true);
  view.setUint32(16, sb.nextSnapshotId, true);
  view.setUint32(20, sb.blocks, true);
  view.setUint16(24, sb.blockSize, true);
  view.setUint16(26, sb.root, true);
  let at = 28;
  view.setUint16(at, sb.refTable.length, true);
  at += 2;
  for (const block of sb.refTable) at = put16(view, at, block);
  view.setUint16(at, sb.snapshots.length, true);
  at += 2;
  for (const snap of sb.snapshots) {
    view.setUint32(at, snap.id, true);
    at = put16(view, at + 4, snap.root);
  }
  view.setUint32(4, crc32(bytes.subarray(8)), true);
  return bytes;
}

/** The superblock in `bytes`, or undefined when the magic or the checksum is wrong. */
export function decodeSuperblock(bytes: Uint8Array): Superblock | undefined {
  if (bytes.length < 40 || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== crc32(bytes.subarray(8))) return undefined;
  let at = 28;
  const refCount = view.getUint16(at, true);
  at += 2;
  if (superblockBytes(refCount, 0) > bytes.length) return undefined;
  const refTable: number[] = [];
  for (let i = 0; i < refCount; i++, at += 2) refTable.push(view.getUint16(at, true));
  const snapCount = view.getUint16(at, true);
  at += 2;
  if (superblockBytes(refCount, snapCount) > bytes.length) return undefined;
  const snapshots: SnapshotEntry[] = [];
  for (let i = 0; i < snapCount; i++, at += 6) snapshots.push({ id: view.getUint32(at, true), root: view.getUint16(at + 4, true) });
  return {
    generation: view.getUint32(8, true),
    lastTxid: view.getUint32(12, true),
    nextSnapshotId: view.getUint32(16, true),
    blocks: view.getUint32(20, true),
    blockSize: view.getUint16(24, true),
    root: view.getUint16(26, true),
    refTable,
    snapshots,
  };
}

/** The slot a superblock of this generation is written to. */
export function slotFor(generation: number): number {
  return SUPERBLOCK_SLOTS[generation % 2];
}

// ---- refcount table ----------------------------------------------------------------------

/** The counts of `blocks` disk blocks, read from the table's blocks. */
export function decodeRefTable(pages: readonly Uint8Array[], blocks: number): Uint16Array {
  const counts = new Uint16Array(blocks);
  let block = 0;
  for (const page of pages) {
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    for (let at = 0; at + 1 < page.length && block < blocks; at += 2) counts[block++] = view.getUint16(at, true);
  }
  return counts;
}

/** Page `index` of the table (the counts of blocks index*blockSize/2 ...), ready to write. */
export function encodeRefTablePage(counts: Uint16Array, index: number, blockSize: number): Uint8Array {
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  const perPage = blockSize / 2;
  for (let i = 0; i < perPage; i++) {
    const block = index * perPage + i;
    if (block >= counts.length) break;
    view.setUint16(i * 2, counts[block], true);
  }
  return bytes;
}

/** Which table page holds the count of `block`. */
export function refTablePageOf(block: number, blockSize: number): number {
  return Math.floor(block / (blockSize / 2));
}

// ---- tree nodes --------------------------------------------------------------------------

export function encodeRoot(buckets: readonly number[], blockSize: number): Uint8Array {
  if (buckets.length !== BUCKETS) throw new RangeError(`a root node holds ${BUCKETS} buckets`);
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  buckets.forEach((block, i) => view.setUint16(i * 2, block, true));
  return bytes;
}

export function decodeRoot(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: BUCKETS }, (_, i) => view.getUint16(i * 2, true));
}

/** Bytes a leaf with these entries needs. */
export function leafBytes(entries: readonly LeafEntry[]): number {
  return 1 + entries.reduce((sum, e) => sum + 3 + e.name.length, 0);
}

export function encodeLeaf(entries: readonly LeafEntry[], blockSize: number): Uint8Array {
  if (entries.length > 255 || leafBytes(entries) > blockSize) {
    throw new RangeError(`the directory is full: ${entries.length} names do not fit one ${blockSize}-byte leaf`);
  }
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  bytes[0] = entries.length;
  let at = 1;
  for (const { name, inode } of entries) {
    bytes[at] = name.length;
    for (let i = 0; i < name.length; i++) bytes[at + 1 + i] = name.charCodeAt(i);
    at += 1 + name.length;
    at = put16(view, at, inode);
  }
  return bytes;
}

export function decodeLeaf(bytes: Uint8Array): LeafEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: LeafEntry[] = [];
  let at = 1;
  for (let i = 0; i < bytes[0] && at < bytes.length; i++) {
    const length = bytes[at];
    const name = String.fromCharCode(...bytes.subarray(at + 1, at + 1 + length));
    at += 1 + length;
    entries.push({ name, inode: view.getUint16(at, true) });
    at += 2;
  }
  return entries;
}

/** Data blocks one inode can point at. */
export function maxFileBlocks(blockSize: number): number {
  return Math.floor((blockSize - 6) / 2);
}

export function encodeInode(inode: Inode, blockSize: number): Uint8Array {
  if (inode.blocks.length > maxFileBlocks(blockSize)) throw new RangeError(`a file of ${inode.size} bytes does not fit one inode`);
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, inode.size, true);
  view.setUint16(4, inode.blocks.length, true);
  inode.blocks.forEach((block, i) => view.setUint16(6 + i * 2, block, true));
  return bytes;
}

export function decodeInode(bytes: Uint8Array): Inode {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.min(view.getUint16(4, true), maxFileBlocks(bytes.length));
  return { size: view.getUint32(0, true), blocks: Array.from({ length: count }, (_, i) => view.getUint16(6 + i * 2, true)) };
}

/** The level below `level` in the tree. */
export const CHILD_LEVEL: Readonly<Record<Level, Level | undefined>> = { root: "leaf", leaf: "inode", inode: "data", data: undefined };

/** The block pointers a node at `level` holds (none for data), 0s left out. */
export function childPointers(level: Level, bytes: Uint8Array): number[] {
  switch (level) {
    case "root":
      return decodeRoot(bytes).filter((b) => b !== 0);
    case "leaf":
      return decodeLeaf(bytes).map((e) => e.inode);
    case "inode":
      return [...decodeInode(bytes).blocks];
    case "data":
      return [];
  }
}

// ---- names and contents --------------------------------------------------------------------

/** The bucket a name lives in (FNV-1a of its characters). */
export function bucketOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash % BUCKETS;
}

/** TypeError for a non-string, RangeError for a name outside 1-24 of [A-Za-z0-9._-]. */
export function checkName(name: unknown): string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) {
    throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1 to ${MAX_NAME_LENGTH} characters of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

/** The UTF-8 bytes of `data`; TypeError for a non-string. */
export function encodeContents(data: unknown): Uint8Array {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, got ${typeof data}`);
  return new TextEncoder().encode(data);
}

export function decodeContents(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** `bytes` cut into block-sized pieces (the last one may be shorter). */
export function splitBlocks(bytes: Uint8Array, blockSize: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += blockSize) pieces.push(bytes.subarray(at, at + blockSize));
  return pieces;
}

/** True when `piece`, zero-padded to a block, equals `block`. */
export function sameBlock(piece: Uint8Array, block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if ((piece[i] ?? 0) !== block[i]) return false;
  return true;
}

/** crc32 as an unsigned 32-bit number (the calculator alone needs no Node Buffer). */
function crc32(bytes: Uint8Array): number {
  return crc32Calculator(bytes) >>> 0;
}

function put16(view: DataView, at: number, value: number): number {
  view.setUint16(at, value, true);
  return at + 2;
}
