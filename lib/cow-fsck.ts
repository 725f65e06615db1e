/**
 * fsck for lesson 7's copy-on-write file system: reads a disk in the format of
 * `cow-layout.ts`, walks every live tree (the current root and every snapshot root) and
 * checks the reference counts against the pointers it found.
 *
 * A clean report means:
 * - the newest valid superblock matches the disk, its snapshot ids are distinct and
 *   below `nextSnapshotId`, and its refcount-table blocks are distinct tree-free blocks;
 * - every pointer stays inside the disk and never points at a superblock or a table
 *   block, no block sits at two levels of the trees, every name is valid and in its
 *   bucket, and every inode's size matches its block count;
 * - each block's stored count equals the pointers that reach it (tree nodes, the
 *   superblock's root pointer, one per snapshot root): so no block is freed while in use
 *   and no block stays counted once nothing reaches it (a leak).
 * `blocksInUse` is what `stats().blocksInUse` must say: superblocks + table + reached.
 *
 * @example
 * ```ts
 * import { fsck } from "../../lib/cow-fsck.ts";
 *
 * const report = fsck(disk);
 * expect(report.problems).toEqual([]);
 * expect(fs.stats().blocksInUse).toBe(report.blocksInUse);
 * ```
 */
import type { SimDisk } from "./sim-disk.ts";
import {
  CHILD_LEVEL,
  SUPERBLOCK_SLOTS,
  bucketOf,
  childPointers,
  decodeInode,
  decodeLeaf,
  decodeRefTable,
  decodeRoot,
  decodeSuperblock,
  type Level,
  type Superblock,
} from "./cow-layout.ts";

export interface FsckReport {
  /** Each fault in words; empty when the disk is consistent. */
  problems: string[];
  /** The superblock checked (the newest valid one), if any. */
  superblock?: Superblock;
  /** Blocks reached from the current root or a snapshot root. */
  reachable: number;
  /** Superblock slots + refcount-table blocks + reachable blocks. */
  blocksInUse: number;
  /** Those blocks themselves, ascending: what no update may overwrite, superblocks aside. */
  liveBlocks: number[];
}

const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const MAX_PROBLEMS = 20;

/** The newest valid superblock on the disk (highest generation), if any. */
export function newestSuperblock(disk: SimDisk): Superblock | undefined {
  const valid = SUPERBLOCK_SLOTS.map((slot) => decodeSuperblock(disk.read(slot))).filter((sb): sb is Superblock => sb !== undefined);
  return valid.length === 0 ? undefined : valid.reduce((a, b) => (b.generation > a.generation ? b : a));
}

export function fsck(disk: SimDisk): FsckReport {
  const problems: string[] = [];
  const report = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const sb = newestSuperblock(disk);
  if (sb === undefined) return { problems: ["no valid superblock in block 0 or block 1"], reachable: 0, blocksInUse: 0, liveBlocks: [] };
  if (sb.blocks !== disk.blocks || sb.blockSize !== disk.blockSize) {
    report(`superblock says ${sb.blocks} blocks of ${sb.blockSize} bytes, the disk has ${disk.blocks} of ${disk.blockSize}`);
    return { problems, superblock: sb, reachable: 0, blocksInUse: 0, liveBlocks: [] };
  }

  const reserved = new Set<number>(SUPERBLOCK_SLOTS);
  for (const block of sb.refTable) {
    if (!inDisk(block, disk) || reserved.has(block)) report(`refcount table block ${block} is a superblock, outside the disk, or listed twice`);
    reserved.add(block);
  }
  const ids = sb.snapshots.map((s) => s.id);
  if (new Set(ids).size !== ids.length) report(`snapshot ids repeat: ${ids.join(", ")}`);
  for (const id of ids) if (id >= sb.nextSnapshotId) report(`snapshot ${id} is not below nextSnapshotId ${sb.nextSnapshotId}`);

  const pointers = new Uint32Array(disk.blocks);
  const levelOf = new Map<number, Level>();
  const walk = (block: number, level: Level, from: string, bucket?: number) => {
    if (!inDisk(block, disk) || reserved.has(block)) {
      report(`${from} points at block ${block}, which is ${inDisk(block, disk) ? "a superblock or refcount-table block" : "outside the disk"}`);
      return;
    }
    pointers[block] += 1;
    const bytes = disk.read(block);
    if (bucket !== undefined) {
      for (const { name } of decodeLeaf(bytes)) {
        if (bucketOf(name) !== bucket) report(`${name} sits in bucket ${bucket} (leaf block ${block}), but its bucket is ${bucketOf(name)}`);
      }
    }
    const seen = levelOf.get(block);
    if (seen !== undefined) {
      if (seen !== level) report(`block ${block} is used as a ${seen} and as a ${level} (from ${from})`);
      return;
    }
    levelOf.set(block, level);
    checkNode(block, level, bytes, disk.blockSize, report);
    if (level === "root") {
      decodeRoot(bytes).forEach((leaf, i) => {
        if (leaf !== 0) walk(leaf, "leaf", `root block ${block}`, i);
      });
      return;
    }
    const childLevel = CHILD_LEVEL[level];
    if (childLevel === undefined) return;
    for (const child of childPointers(level, bytes)) walk(child, childLevel, `${level} block ${block}`);
  };
  walk(sb.root, "root", "the superblock");
  for (const snap of sb.snapshots) walk(snap.root, "root", `snapshot ${snap.id}`);

  const counts = decodeRefTable(sb.refTable.map((b) => disk.read(b)), disk.blocks);
  for (let block = 0; block < disk.blocks; block++) {
    if (counts[block] === pointers[block]) continue;
    if (pointers[block] === 0) report(`block ${block} has refcount ${counts[block]} but nothing reaches it (leaked)`);
    else report(`block ${block} (${levelOf.get(block)}) has refcount ${counts[block]} on disk, but ${pointers[block]} pointer(s) reach it`);
  }
  const liveBlocks = [...reserved, ...levelOf.keys()].sort((a, b) => a - b);
  return { problems, superblock: sb, reachable: levelOf.size, blocksInUse: liveBlocks.length, liveBlocks };
}

/** The data blocks of `name` in the current tree, in file order; undefined if absent. */
export function fileBlocks(disk: SimDisk, name: string): number[] | undefined {
  const sb = newestSuperblock(disk);
  if (sb === undefined) return undefined;
  const leaf = decodeRoot(disk.read(sb.root))[bucketOf(name)];
  if (leaf === 0) return undefined;
  const entry = decodeLeaf(disk.read(leaf)).find((e) => e.name === name);
  return entry === undefined ? undefined : [...decodeInode(disk.read(entry.inode)).blocks];
}

function checkNode(block: number, level: Level, bytes: Uint8Array, blockSize: number, report: (text: string) => void): void {
  if (level === "leaf") {
    const names = decodeLeaf(bytes).map((e) => e.name);
    if (names.length === 0) report(`leaf block ${block} is empty (an empty bucket should be 0 in the root)`);
    if (new Set(names).size !== names.length) report(`leaf block ${block} lists a name twice`);
    for (const name of names) if (!NAME.test(name)) report(`leaf block ${block} holds an invalid name ${JSON.stringify(name)}`);
  } else if (level === "inode") {
    const inode = decodeInode(bytes);
    if (inode.blocks.length !== Math.ceil(inode.size / blockSize)) {
      report(`inode block ${block}: ${inode.size} bytes need ${Math.ceil(inode.size / blockSize)} data blocks, it lists ${inode.blocks.length}`);
    }
  }
}

function inDisk(block: number, disk: SimDisk): boolean {
  return Number.isInteger(block) && block >= 0 && block < disk.blocks;
}
