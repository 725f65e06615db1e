/**
 * lib/fsck.ts catches planted corruptions of lesson 6's format, one invariant at a time,
 * and passes a clean disk. The disks are built with lib/metadata-fs-layout.ts alone
 * (metadata written straight home, no journal traffic), so this does not depend on any
 * lesson's solution.
 */
import { describe, expect, test } from "vitest";
import { SimDisk } from "../../lib/sim-disk.ts";
import { assertFsckClean, fsck } from "../../lib/fsck.ts";
import {
  decodeDirBlock, decodeInode, encodeCommit, encodeDescriptor, encodeDirEntry, encodeInode, encodeJournalHeader,
  encodeSuperblock, freshBitmap, inodeLocation, planLayout, planTransaction, ROOT_INODE, setBlockUsed,
} from "../../lib/metadata-fs-layout.ts";
import type { Inode, Layout } from "../../lib/metadata-fs-layout.ts";

/** A formatted disk holding `files`, every structure at home. */
function cleanDisk(files: Record<string, string>): { disk: SimDisk; layout: Layout } {
  const disk = new SimDisk();
  const layout = planLayout(disk, 16);
  const images = new Map<number, Uint8Array>([[layout.bitmapBlock, freshBitmap(layout)]]);
  for (let i = 0; i < layout.inodeBlocks; i++) images.set(layout.inodeStart + i, new Uint8Array(layout.blockSize));
  encodeInode(images.get(layout.inodeStart)!, 0, { kind: "directory", size: 0, blocks: [] });
  const ops = Object.entries(files).map(([name, data]) => ({ kind: "write" as const, name, bytes: new TextEncoder().encode(data) }));
  const plan = planTransaction(layout, images, ops);
  for (const [block, image] of plan.metadata) images.set(block, image);
  for (const [block, image] of images) disk.write(block, image);
  for (const w of plan.dataWrites) disk.write(w.block, w.bytes);
  disk.write(layout.journalHeader, encodeJournalHeader(1));
  disk.write(0, encodeSuperblock(layout));
  return { disk, layout };
}

function inodeOf(disk: SimDisk, layout: Layout, n: number): Inode {
  const { block, offset } = inodeLocation(layout, n);
  return decodeInode(disk.read(block), offset) as Inode;
}

function setInode(disk: SimDisk, layout: Layout, n: number, inode: Inode): void {
  const { block, offset } = inodeLocation(layout, n);
  const image = disk.read(block);
  encodeInode(image, offset, inode);
  disk.write(block, image);
}

function setBit(disk: SimDisk, layout: Layout, block: number, used: boolean): void {
  const bitmap = disk.read(layout.bitmapBlock);
  setBlockUsed(bitmap, block, used);
  disk.write(layout.bitmapBlock, bitmap);
}

/** The entry for `name`: its directory block, slot and inode. */
function entryOf(disk: SimDisk, layout: Layout, name: string): { dirBlock: number; slot: number; inode: number } {
  for (const dirBlock of inodeOf(disk, layout, ROOT_INODE).blocks) {
    const entry = decodeDirBlock(layout, disk.read(dirBlock)).find((e) => e.name === name);
    if (entry) return { dirBlock, slot: entry.slot, inode: entry.inode };
  }
  throw new Error(`no entry ${name}`);
}

function problems(disk: SimDisk): string {
  const report = fsck(disk);
  expect(report.ok, "fsck should find a problem").toBe(false);
  return report.problems.join("\n");
}

const FILES = { "a.txt": "alpha", "b.txt": "b".repeat(700), "c.txt": "" };

describe("fsck on a clean disk", () => {
  test("passes, counts the files, and never writes", () => {
    const { disk } = cleanDisk(FILES);
    const before = disk.writes;
    expect(fsck(disk)).toEqual({ ok: true, problems: [], files: 3 });
    expect(() => assertFsckClean(disk)).not.toThrow();
    expect(disk.writes).toBe(before);
  });
});

describe("fsck catches planted corruptions", () => {
  test("a block in use by a file but marked free in the bitmap", () => {
    const { disk, layout } = cleanDisk(FILES);
    const [block] = inodeOf(disk, layout, entryOf(disk, layout, "b.txt").inode).blocks;
    setBit(disk, layout, block, false);
    expect(problems(disk)).toMatch(new RegExp(`block ${block} is in use by inode \\d+ \\(b\\.txt\\) but marked free`));
  });

  test("a leaked block: marked in use, owned by nothing", () => {
    const { disk, layout } = cleanDisk(FILES);
    setBit(disk, layout, layout.blocks - 1, true);
    expect(problems(disk)).toContain(`block ${layout.blocks - 1} is marked in use but nothing owns it (a leaked block)`);
  });

  test("a size that does not match the block list", () => {
    const { disk, layout } = cleanDisk(FILES);
    const n = entryOf(disk, layout, "a.txt").inode;
    setInode(disk, layout, n, { ...inodeOf(disk, layout, n), size: 1500 });
    expect(problems(disk)).toMatch(/a\.txt\) has size 1500, which needs 3 blocks, but lists 1/);
  });

  test("two files sharing a block", () => {
    const { disk, layout } = cleanDisk(FILES);
    const a = entryOf(disk, layout, "a.txt").inode;
    const b = inodeOf(disk, layout, entryOf(disk, layout, "b.txt").inode);
    const stolen = inodeOf(disk, layout, a);
    setBit(disk, layout, stolen.blocks[0], false);
    setInode(disk, layout, a, { ...stolen, blocks: [b.blocks[0]] });
    expect(problems(disk)).toMatch(new RegExp(`block ${b.blocks[0]} is used twice`));
  });

  test("a directory entry that points at a free inode", () => {
    const { disk, layout } = cleanDisk(FILES);
    const { inode } = entryOf(disk, layout, "c.txt");
    setInode(disk, layout, inode, { kind: "free", size: 0, blocks: [] });
    expect(problems(disk)).toMatch(new RegExp(`"c\\.txt".*points at inode ${inode}, which is free`));
  });

  test("an orphan: a file inode no directory entry names", () => {
    const { disk, layout } = cleanDisk(FILES);
    const { dirBlock, slot, inode } = entryOf(disk, layout, "c.txt");
    const image = disk.read(dirBlock);
    encodeDirEntry(image, slot);
    disk.write(dirBlock, image);
    expect(problems(disk)).toContain(`inode ${inode} is in use but no directory entry names it (an orphan)`);
  });

  test("a name that appears twice, and an invalid name", () => {
    const { disk, layout } = cleanDisk(FILES);
    const { dirBlock, slot, inode } = entryOf(disk, layout, "c.txt");
    const image = disk.read(dirBlock);
    encodeDirEntry(image, slot, { inode, name: "a.txt" });
    encodeDirEntry(image, layout.direntsPerBlock - 1, { inode: 40, name: "bad name" });
    disk.write(dirBlock, image);
    const found = problems(disk);
    expect(found).toMatch(/"a\.txt".*appears twice/);
    expect(found).toMatch(/"bad name".*invalid name/);
  });

  test("a block pointer outside the data area", () => {
    const { disk, layout } = cleanDisk(FILES);
    const n = entryOf(disk, layout, "a.txt").inode;
    setInode(disk, layout, n, { ...inodeOf(disk, layout, n), blocks: [layout.journalStart] });
    expect(problems(disk)).toMatch(new RegExp(`points at block ${layout.journalStart}, outside the data area`));
  });

  test("a fixed region marked free", () => {
    const { disk, layout } = cleanDisk(FILES);
    setBit(disk, layout, layout.journalStart + 3, false);
    expect(problems(disk)).toContain(`block ${layout.journalStart + 3} (journal block 3) is part of the fixed layout but marked free`);
  });

  test("a root directory whose size does not match its blocks, and a second directory inode", () => {
    const { disk, layout } = cleanDisk(FILES);
    setInode(disk, layout, ROOT_INODE, { ...inodeOf(disk, layout, ROOT_INODE), size: 7 });
    setInode(disk, layout, 50, { kind: "directory", size: 0, blocks: [] });
    const found = problems(disk);
    expect(found).toMatch(/root directory's size is 7/);
    expect(found).toMatch(/inode 50 is a directory/);
  });

  test("a journal that still holds a committed transaction, and a damaged journal header", () => {
    const { disk, layout } = cleanDisk(FILES);
    disk.write(layout.journalStart, encodeDescriptor(layout, 1, [], false));
    disk.write(layout.journalStart + 1, encodeCommit(layout, 1));
    expect(problems(disk)).toContain("the journal still holds committed transaction 1");
    disk.write(layout.journalHeader, new Uint8Array([1, 2, 3]));
    expect(problems(disk)).toContain(`the journal header (block ${layout.journalHeader}) is damaged`);
  });

  test("an unformatted disk, and a superblock that is not ours", () => {
    expect(problems(new SimDisk())).toContain("not formatted");
    const disk = new SimDisk();
    disk.write(0, new TextEncoder().encode("something else"));
    expect(problems(disk)).toMatch(/^superblock: /);
  });

  test("assertFsckClean() throws an Error that lists the problems", () => {
    const { disk, layout } = cleanDisk(FILES);
    setBit(disk, layout, layout.blocks - 1, true);
    setBit(disk, layout, layout.blocks - 2, true);
    expect(() => assertFsckClean(disk, "after recovery")).toThrow(/fsck found 2 problems after recovery:\n  - block 254 .*\n  - block 255/);
  });
});
