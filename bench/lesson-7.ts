/**
 * `npm run bench lesson-7` — the two costs of a copy-on-write file system, measured on
 * the reference solution: write amplification (disk writes per data block changed) and
 * fragmentation (how far apart a file's consecutive blocks end up after random updates).
 * The same update workload also runs on lesson 4's journaling file system, when its
 * reference solution is present, for the comparison the lesson text makes.
 *
 *   npm run bench lesson-7
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SimDisk } from "../lib/sim-disk.ts";
import { fileBlocks } from "../lib/cow-fsck.ts";
import { CowFS } from "../solutions/lesson-7/cow-fs.ts";
import { KIT } from "../scripts/core/kit.ts";

interface TxLike { write(name: string, data: string): void; commit(): number }
interface FsLike { begin(): TxLike; read(name: string): string | undefined }

/** A small deterministic generator, so every run measures the same workload. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const letters = (r: (n: number) => number, n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + r(26))).join("");

/** Mean distance between consecutive blocks of each file (1 = laid out in order). */
function meanGap(disk: SimDisk, names: string[]): number {
  let sum = 0;
  let gaps = 0;
  for (const name of names) {
    const blocks = fileBlocks(disk, name)!;
    for (let i = 1; i < blocks.length; i++) {
      sum += Math.abs(blocks[i] - blocks[i - 1]);
      gaps += 1;
    }
  }
  return gaps === 0 ? 0 : sum / gaps;
}

/** Runs of consecutive block numbers in a file (1 = one contiguous extent). */
function extents(blocks: number[]): number {
  return blocks.filter((b, i) => i === 0 || b !== blocks[i - 1] + 1).length;
}

/**
 * The shared workload: FILES files of 1000 bytes, then UPDATES transactions that each
 * change 100 bytes inside one random file (one 512-byte block of it).
 */
const FILES = 16;
const UPDATES = 500;
function runWorkload(fs: FsLike, disk: SimDisk, afterUpdates?: () => void) {
  const r = rng(7);
  const names = Array.from({ length: FILES }, (_, i) => `file-${String(i).padStart(2, "0")}.dat`);
  const setup = fs.begin();
  const content = new Map(names.map((n) => [n, letters(r, 1000)]));
  for (const [n, c] of content) setup.write(n, c);
  setup.commit();
  const start = disk.writes;
  for (let i = 0; i < UPDATES; i++) {
    const name = names[r(FILES)];
    const old = content.get(name)!;
    const at = r(900);
    const next = old.slice(0, at) + letters(r, 100) + old.slice(at + 100);
    content.set(name, next);
    const tx = fs.begin();
    tx.write(name, next);
    tx.commit();
  }
  afterUpdates?.();
  for (const [n, c] of content) if (fs.read(n) !== c) throw new Error(`${n} lost an update`);
  const changedBlocks = countChangedBlocks(7);
  return { names, writes: disk.writes - start, changedBlocks };
}

/** The 512-byte blocks the workload really changed (an update may straddle two). */
function countChangedBlocks(seed: number): number {
  const r = rng(seed);
  for (let i = 0; i < FILES; i++) letters(r, 1000);
  let changed = 0;
  for (let i = 0; i < UPDATES; i++) {
    r(FILES);
    const at = r(900);
    letters(r, 100);
    changed += Math.floor((at + 99) / 512) - Math.floor(at / 512) + 1;
  }
  return changed;
}

const pad = (v: string | number, n: number) => String(v).padStart(n);

// ---- A: the same workload on both file systems ---------------------------------------------
console.log(`workload: ${FILES} files of 1000 bytes on the default disk (256 × 512 bytes), then ${UPDATES}`);
console.log("transactions that each change 100 bytes of one random file\n");
console.log("file system                       disk writes   writes per changed block   mean gap between a file's blocks");

const cowDisk = new SimDisk();
const cow = runWorkload(CowFS.mount(cowDisk), cowDisk);
const fragmentation = meanGap(cowDisk, cow.names);
console.log(`lesson 7, copy-on-write            ${pad(cow.writes, 11)}   ${pad((cow.writes / cow.changedBlocks).toFixed(2), 24)}   ${pad(fragmentation.toFixed(1), 10)} blocks`);

const lesson4 = path.join(KIT, "solutions", "lesson-4", "tx-fs.ts");
if (existsSync(lesson4)) {
  const { TxFS } = (await import(pathToFileURL(lesson4).href)) as { TxFS: { mount(disk: SimDisk): FsLike & { checkpoint(): void } } };
  const txDisk = new SimDisk();
  const txfs = TxFS.mount(txDisk);
  const journaled = runWorkload(txfs, txDisk, () => txfs.checkpoint());
  console.log(`lesson 4, journal + checkpoints    ${pad(journaled.writes, 11)}   ${pad((journaled.writes / journaled.changedBlocks).toFixed(2), 24)}   ${pad("in place", 10)} (home blocks never move)`);
} else {
  console.log("lesson 4, journal + checkpoints    (solutions/lesson-4/tx-fs.ts not present: not measured)");
}
console.log(`(${cow.changedBlocks} data blocks changed in all; a journal's blocks stay where they were, so its gap is not measured)`);

// ---- B: one large file, fragmentation as updates accumulate ---------------------------------
const BIG_BLOCKS = 128;
console.log(`\none file of ${BIG_BLOCKS} blocks (${(BIG_BLOCKS * 512) / 1024} KiB) on a 4096-block disk, written in one commit, then`);
console.log("single-block random updates (each its own transaction)\n");
console.log("updates   extents   mean gap   writes per update");
{
  const disk = new SimDisk({ blocks: 4096 });
  const fs = CowFS.mount(disk);
  const r = rng(11);
  let data = letters(r, BIG_BLOCKS * 512);
  const tx = fs.begin();
  tx.write("big.dat", data);
  tx.commit();
  let done = 0;
  for (const target of [0, 10, 100, 1000, 5000]) {
    const start = disk.writes;
    const from = done;
    for (; done < target; done++) {
      const block = r(BIG_BLOCKS);
      data = data.slice(0, block * 512) + letters(r, 512) + data.slice((block + 1) * 512);
      const t = fs.begin();
      t.write("big.dat", data);
      t.commit();
    }
    const perUpdate = done === from ? "-" : ((disk.writes - start) / (done - from)).toFixed(2);
    const blocks = fileBlocks(disk, "big.dat")!;
    console.log(`${pad(target, 7)}   ${pad(extents(blocks), 7)}   ${pad(meanGap(disk, ["big.dat"]).toFixed(1), 8)}   ${pad(perUpdate, 17)}`);
  }
  if (fs.read("big.dat") !== data) throw new Error("big.dat lost an update");
}
