/**
 * `npm run bench lesson-11` — what undo logging costs, measured on the reference
 * solutions: disk writes per committed page and flushes per commit for transactions of 1,
 * 4 and 16 pages, lesson 11's rollback journal (undo, in place) against lesson 4's redo
 * journal (ordered disk, so it never flushes) and lesson 5's (the same redo journal on a
 * write cache, one flush per commit); then what stealing costs: the same 16-page
 * transactions through page caches of 1 to 16 pages, committed and aborted. Every write
 * and flush is counted, checkpoints included. Prints tables; asserts nothing.
 *
 *   npm run bench lesson-11
 */
import { SimDisk } from "../lib/sim-disk.ts";
import { PageStore } from "../solutions/lesson-11/page-store.ts";
import { TxFS as RedoTxFS } from "../solutions/lesson-4/tx-fs.ts";
import { TxFS as ChecksumTxFS } from "../solutions/lesson-5/tx-fs.ts";

const ROUNDS = 240;
/** Pages (or one-block files) are taken in turn from this many, so each transaction changes new ones. */
const DISTINCT = 48;
/** A lesson 4/5 data block holds blockSize - 1 bytes: one file of this size is one user block. */
const ONE_BLOCK_FILE = 511;

interface Counts {
  writes: number;
  flushes: number;
}

function perCommit(disk: SimDisk, before: Counts, pages: number) {
  return {
    "disk writes per committed page": ((disk.writes - before.writes) / (ROUNDS * pages)).toFixed(2),
    "flushes per commit": ((disk.flushes - before.flushes) / ROUNDS).toFixed(2),
  };
}

/** Lesson 11: k pages in place per transaction, the cache holding them all (no steal). */
function undo(pages: number, cachePages = 16, kind: "commit" | "abort" = "commit") {
  const disk = new SimDisk({ model: "volatile", sectorSize: 64 });
  const store = PageStore.mount(disk, { cachePages });
  const before = { writes: disk.writes, flushes: disk.flushes };
  for (let round = 0; round < ROUNDS; round++) {
    const tx = store.begin();
    for (let i = 0; i < pages; i++) tx.write((round * pages + i) % DISTINCT, new Uint8Array(512).fill(round % 250));
    if (kind === "commit") tx.commit();
    else tx.abort();
  }
  return { journal: "undo (lesson 11, in place)", "pages per tx": pages, ...perCommit(disk, before, pages) };
}

/** Lessons 4 and 5: k one-block files per transaction through the redo journal, then a final checkpoint. */
function redo(pages: number, which: "lesson 4" | "lesson 5") {
  const disk = which === "lesson 4" ? new SimDisk() : new SimDisk({ model: "volatile", sectorSize: 64 });
  const fs = which === "lesson 4" ? RedoTxFS.mount(disk) : ChecksumTxFS.mount(disk);
  const before = { writes: disk.writes, flushes: disk.flushes };
  for (let round = 0; round < ROUNDS; round++) {
    const tx = fs.begin();
    for (let i = 0; i < pages; i++) tx.write(`f${(round * pages + i) % DISTINCT}`, String(round % 10).repeat(ONE_BLOCK_FILE));
    tx.commit();
  }
  fs.checkpoint();
  const label = which === "lesson 4" ? "redo (lesson 4, ordered disk)" : "redo (lesson 5, write cache)";
  return { journal: label, "pages per tx": pages, ...perCommit(disk, before, pages) };
}

console.log(`Undo against redo: ${ROUNDS} transactions each, every write and flush counted (256 × 512-byte disk, 64-block journal)`);
console.log("(redo: one-block files, so each transaction also rewrites a directory block; lesson 4's disk needs no flush)\n");
console.table([1, 4, 16].flatMap((k) => [undo(k), redo(k, "lesson 4"), redo(k, "lesson 5")]));

function steal(cachePages: number, kind: "commit" | "abort") {
  const row = undo(16, cachePages, kind);
  return { "cache pages": cachePages, "16 pages, then": kind, "disk writes per page": row["disk writes per committed page"], "flushes per transaction": row["flushes per commit"] };
}

console.log(`\nWhat stealing costs: 16-page transactions through page caches of 1 to 16 pages (${ROUNDS} each)\n`);
console.table([1, 4, 8, 16].flatMap((c) => [steal(c, "commit"), steal(c, "abort")]));
