/**
 * Hidden tests for lesson 6 (contract: lessons/lesson-6/README.md, "What you implement").
 * They use OrderedFS's public API, the disk, and the on-disk format that the lesson fixes
 * in lib/metadata-fs-layout.ts (through lib/fsck.ts and the journal block header), so
 * any correct design passes. After every recovery, fsck checks the disk's invariants.
 *
 * The block-reuse tests rely on the allocator the skeleton is given (lowest free block
 * first): with it, the freed directory block really becomes file data. A different
 * allocator still passes them; they just stop proving anything about revokes.
 */
import { describe, expect, test } from "vitest";
import { OrderedFS } from "@impl/lesson-6/ordered-fs.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { expectOneOf } from "../../lib/crash-explorer.ts";
import { expectCommitPointsHeld, sideFrom } from "../../lib/crash/commit-point.ts";
import type { RecordedWrite } from "../../lib/crash/commit-point.ts";
import type { CrashOutcome, Step } from "../../lib/crash-explorer.ts";
import { assertFsckClean } from "../../lib/fsck.ts";
import {
  BLOCK_TYPE, decodeInode, encodeCommit, encodeDescriptor, encodeJournalHeader, encodeRevokeBlock, inodeLocation, JOURNAL_MAGIC,
  planTransaction, readLayout, ROOT_INODE, transactionLength,
} from "../../lib/metadata-fs-layout.ts";
import type { FileOp, Layout } from "../../lib/metadata-fs-layout.ts";

type Files = Record<string, string>;
/** One operation of a transaction: write name = data, or delete name (data undefined). */
type Op = readonly [name: string, data: string | undefined];
type WorkStep = { tx: Op[]; name?: string } | { checkpoint: true };

function commit(fs: OrderedFS, ops: readonly Op[]): number {
  const tx = fs.begin();
  for (const [name, data] of ops) {
    if (data === undefined) tx.delete(name);
    else tx.write(name, data);
  }
  return tx.commit();
}

/** The three journal figures, read one by one (the contract fixes them, not the object's shape). */
function journalOf(fs: OrderedFS): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
  const { usedBlocks, capacityBlocks, lastTxid } = fs.journal;
  return { usedBlocks, capacityBlocks, lastTxid };
}

function files(fs: OrderedFS): Files {
  const out: Files = {};
  for (const name of fs.list()) out[name] = fs.read(name) as string;
  return out;
}

function apply(state: Files, ops: readonly Op[]): Files {
  const next = { ...state };
  for (const [name, data] of ops) {
    if (data === undefined) delete next[name];
    else next[name] = data;
  }
  return next;
}

function sameFiles(a: Files, b: Files): boolean {
  const keys = Object.keys(a).sort();
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** Distinct, recognisable contents: "<tag>:" then a pattern, `bytes` long. */
function text(tag: string, bytes: number): string {
  const unit = `${tag}:0123456789abcdefghijklmnopqrstuvwxyz|`;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** Throws in words unless the files are exactly one of the candidate states. */
function expectFiles(actual: Files, candidates: readonly (readonly [string, Files])[]): void {
  if (candidates.some(([, state]) => sameFiles(actual, state))) return;
  const names = [...new Set([...Object.keys(actual), ...candidates.flatMap(([, s]) => Object.keys(s))])].sort();
  for (const name of names) {
    expectOneOf(name, actual[name], candidates.map(([label, state]) => [label, state[name]] as const));
  }
  throw new Error(`the files are a mix of ${candidates.map(([label]) => label).join(" and ")}: some are as before the step, some as after it`);
}

/** A commit block in the lesson's journal format: the write that decides its transaction. */
const isCommitWrite = (write: RecordedWrite): boolean => isCommitBlock(write.image);

/**
 * Crash exploration of a workload: at every crash point (and every crash during
 * recovery), the recovered disk passes fsck, the journal is empty, each completed
 * transaction is there and the interrupted one is all or nothing: as before it until its
 * commit block is written (flushed, on a disk with a write cache), as after it from then
 * on (lib/crash/commit-point.ts).
 */
interface ExploreOptions {
  journalBlocks?: number;
  newDisk?: () => SimDisk;
  /** Explore the volatile model too (write cache, reordering, torn sectors). */
  volatile?: { maxSubsets?: number; recoveryMaxSubsets?: number; torn?: boolean };
}

function exploreWorkload(name: string, work: readonly WorkStep[], options: ExploreOptions = {}): number {
  const states: Files[] = [{}];
  const txids: number[] = [0];
  for (const step of work) {
    const last = states[states.length - 1];
    states.push("tx" in step ? apply(last, step.tx) : last);
    txids.push(txids[txids.length - 1] + ("tx" in step ? 1 : 0));
  }
  const steps: Step<OrderedFS>[] = work.map((step) =>
    "tx" in step
      ? { name: step.name ?? describeTx(step.tx), run: (fs) => void commit(fs, step.tx) }
      : { name: "checkpoint()", run: (fs) => fs.checkpoint() });
  let disk: SimDisk | undefined;
  const rule = {
    sideOf: (fs: OrderedFS, { interrupted }: CrashOutcome) => interrupted === undefined
      ? "either" as const
      : sideFrom(sameFiles(files(fs), states[interrupted]), sameFiles(files(fs), states[interrupted + 1])),
    isCommitWrite,
  };
  const report = expectCommitPointsHeld<OrderedFS>({
    name,
    newDisk: options.newDisk,
    volatile: options.volatile,
    mount: (d) => {
      disk = d;
      return OrderedFS.mount(d, options.journalBlocks === undefined ? undefined : { journalBlocks: options.journalBlocks });
    },
    steps,
    check(fs, outcome: CrashOutcome) {
      assertFsckClean(disk!, "after recovery");
      expect(fs.journal.usedBlocks, "journal.usedBlocks right after recovery").toBe(0);
      const candidates: [string, Files, number][] = [[`after ${outcome.completed} steps`, states[outcome.completed], txids[outcome.completed]]];
      if (outcome.interrupted !== undefined) {
        candidates.push([`after step ${outcome.interrupted + 1} too`, states[outcome.interrupted + 1], txids[outcome.interrupted + 1]]);
      }
      const actual = files(fs);
      expectFiles(actual, candidates.map(([label, state]) => [label, state] as const));
      const txidsThatFit = candidates.filter(([, state]) => sameFiles(actual, state)).map(([label, , id]) => [label, id] as const);
      expectOneOf("journal.lastTxid", fs.journal.lastTxid, txidsThatFit);
    },
  }, rule);
  return report.points;
}

function describeTx(ops: readonly Op[]): string {
  return ops.map(([name, data]) => (data === undefined ? `delete ${name}` : `write ${name} (${new TextEncoder().encode(data).length} bytes)`)).join(", ");
}

/** 17 one-block files: one more than a 512-byte directory block holds, so the directory takes two. */
const SEVENTEEN: Op[] = Array.from({ length: 17 }, (_, i) => [`f${i + 1}.txt`, text(`f${i + 1}`, 40)] as const);

/**
 * The block-reuse workload: the second directory block is journaled (tx 1), freed when
 * its only entry goes (tx 2), and then becomes file data (tx 3, f2.txt grows to two
 * blocks). Replaying tx 1's copy of it without honouring tx 2's revoke destroys f2.txt.
 */
const REUSE: WorkStep[] = [
  { tx: SEVENTEEN, name: "write f1.txt .. f17.txt (the directory needs 2 blocks)" },
  { tx: [["f17.txt", undefined]], name: "delete f17.txt (the second directory block becomes free)" },
  { tx: [["f2.txt", text("grown", 900)]], name: "write f2.txt (900 bytes, into the freed blocks)" },
];

describe("files and transactions (lesson 4's API)", () => {
  test("mount() formats an empty disk: no files, an empty journal of 64 blocks, lastTxid 0", () => {
    const fs = OrderedFS.mount(new SimDisk());
    expect(fs.list()).toEqual([]);
    expect(journalOf(fs)).toEqual({ usedBlocks: 0, capacityBlocks: 64, lastTxid: 0 });
  });

  test("a committed write can be read back, and survives a reboot", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, [["notes.txt", "hello"]]);
    expect(fs.read("notes.txt")).toBe("hello");
    expect(fs.read("other.txt")).toBe(undefined);
    const again = OrderedFS.mount(disk.reboot());
    expect(again.read("notes.txt")).toBe("hello");
    expect(again.list()).toEqual(["notes.txt"]);
  });

  test("files of 0 to 1000 bytes, multi-byte UTF-8 across block boundaries included, read back exactly after a reboot", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    const contents: Files = { "empty": "", "one.txt": "x", "edge": "a".repeat(511) + "é" + "b".repeat(487), "full": "z".repeat(1000) };
    commit(fs, Object.entries(contents));
    expect(files(fs)).toEqual(contents);
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual(contents);
  });

  test("list() is sorted by code units", () => {
    const fs = OrderedFS.mount(new SimDisk());
    commit(fs, [["b", "1"], ["B", "2"], ["a.txt", "3"], ["_x", "4"], ["10", "5"], ["9", "6"]]);
    expect(fs.list()).toEqual(["10", "9", "B", "_x", "a.txt", "b"]);
  });

  test("operations in one transaction apply in order; deleting a missing file is no error", () => {
    const fs = OrderedFS.mount(new SimDisk());
    commit(fs, [["keep", "k"], ["gone", "g"]]);
    commit(fs, [["a", "1"], ["a", undefined], ["b", "first"], ["b", text("second", 700)], ["gone", undefined], ["never", undefined]]);
    expect(files(fs)).toEqual({ keep: "k", b: text("second", 700) });
  });

  test("a file written and deleted in the same transaction leaves no trace", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    expect(commit(fs, [["temp", text("t", 800)], ["temp", undefined]])).toBe(1);
    expect(fs.list()).toEqual([]);
    const rebooted = disk.reboot();
    expect(OrderedFS.mount(rebooted).list()).toEqual([]);
    assertFsckClean(rebooted);
  });

  test("an overwrite replaces the whole contents, shorter or longer", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, [["f", text("long", 1000)]]);
    commit(fs, [["f", "short"]]);
    expect(fs.read("f")).toBe("short");
    commit(fs, [["f", text("longer", 900)]]);
    expect(OrderedFS.mount(disk.reboot()).read("f")).toBe(text("longer", 900));
  });

  test("abort() discards the transaction, and read() never sees an open one", () => {
    const fs = OrderedFS.mount(new SimDisk());
    commit(fs, [["a", "committed"]]);
    const tx = fs.begin();
    tx.write("a", "changed");
    tx.write("b", "new");
    expect(fs.read("a")).toBe("committed");
    expect(fs.list()).toEqual(["a"]);
    tx.abort();
    expect(files(fs)).toEqual({ a: "committed" });
    expect(commit(fs, [["c", "c"]])).toBe(2);
  });

  test("a transaction cannot be used after commit() or abort()", () => {
    const fs = OrderedFS.mount(new SimDisk());
    const done = fs.begin();
    done.commit();
    expect(() => done.write("a", "x")).toThrow();
    expect(() => done.commit()).toThrow();
    const dropped = fs.begin();
    dropped.abort();
    expect(() => dropped.delete("a")).toThrow();
    expect(() => dropped.commit()).toThrow();
    expect(fs.list()).toEqual([]);
  });

  test("invalid names throw a TypeError or RangeError at write() and delete()", () => {
    const tx = OrderedFS.mount(new SimDisk()).begin();
    for (const bad of ["", "a/b", "x".repeat(25), "sp ace", "é"]) {
      expect(() => tx.write(bad, "x"), JSON.stringify(bad)).toThrow(RangeError);
      expect(() => tx.delete(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => tx.write(42 as unknown as string, "x")).toThrow(TypeError);
    expect(() => tx.delete(undefined as unknown as string)).toThrow(TypeError);
    expect(() => tx.write("x".repeat(24), "fine")).not.toThrow();
  });

  test("contents must be a string, and contents no file can hold throw a RangeError at write()", () => {
    const tx = OrderedFS.mount(new SimDisk()).begin();
    expect(() => tx.write("a", 5 as unknown as string)).toThrow(TypeError);
    expect(() => tx.write("a", "x".repeat(100_000))).toThrow(RangeError);
  });

  test("the default disk holds 20 files of 1000 bytes", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    const want: Files = {};
    for (let i = 0; i < 20; i++) want[`file-${i}`] = text(`n${i}`, 1000);
    for (const [name, data] of Object.entries(want)) commit(fs, [[name, data]]);
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual(want);
  });

  test("a full disk refuses the commit with a RangeError and changes nothing", () => {
    const disk = new SimDisk({ blocks: 64 });
    const fs = OrderedFS.mount(disk, { journalBlocks: 8 });
    const committed: Files = {};
    let refused: unknown;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      try {
        commit(fs, [[`f${i}`, text(`f${i}`, 1000)]]);
        committed[`f${i}`] = text(`f${i}`, 1000);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused, "some commit of 1000-byte files must find a 64-block disk full").toBeInstanceOf(RangeError);
    expect(files(fs)).toEqual(committed);
    const rebooted = disk.reboot();
    expect(files(OrderedFS.mount(rebooted, { journalBlocks: 8 }))).toEqual(committed);
    assertFsckClean(rebooted);
  });
});

describe("the journal: transaction ids, usage, checkpoints", () => {
  test("transaction ids rise by one per commit, across remounts; an empty transaction gets its own id", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    expect(commit(fs, [["a", "1"]])).toBe(1);
    expect(fs.begin().commit()).toBe(2);
    expect(fs.journal.lastTxid).toBe(2);
    const second = disk.reboot();
    const again = OrderedFS.mount(second);
    expect(again.journal.lastTxid).toBe(2);
    expect(again.begin().commit()).toBe(3);
    again.checkpoint();
    const third = OrderedFS.mount(second.reboot());
    expect(third.journal.lastTxid, "lastTxid after checkpoint() and a reboot").toBe(3);
    expect(commit(third, [["b", "2"]])).toBe(4);
  });

  test("checkpoint() with an empty journal changes nothing", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    fs.checkpoint();
    expect(journalOf(fs)).toEqual({ usedBlocks: 0, capacityBlocks: 64, lastTxid: 0 });
    expect(OrderedFS.mount(disk.reboot()).list()).toEqual([]);
  });

  test("journal.usedBlocks grows with each commit and is 0 after checkpoint(), which keeps every file", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, [["a", "1"]]);
    const one = fs.journal.usedBlocks;
    expect(one).toBeGreaterThan(0);
    commit(fs, [["b", "2"]]);
    expect(fs.journal.usedBlocks).toBeGreaterThan(one);
    fs.checkpoint();
    expect(journalOf(fs)).toEqual({ usedBlocks: 0, capacityBlocks: 64, lastTxid: 2 });
    expect(files(fs)).toEqual({ a: "1", b: "2" });
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual({ a: "1", b: "2" });
  });

  test("journalBlocks sizes the journal when the disk is formatted; on a used disk the size on disk wins", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk, { journalBlocks: 16 });
    expect(fs.journal.capacityBlocks).toBe(16);
    commit(fs, [["a", "1"]]);
    expect(OrderedFS.mount(disk.reboot(), { journalBlocks: 40 }).journal.capacityBlocks).toBe(16);
    for (const bad of [0, 7, 2.5, 1000]) {
      expect(() => OrderedFS.mount(new SimDisk(), { journalBlocks: bad }), `journalBlocks ${bad}`).toThrow(RangeError);
    }
  });

  test("a transaction larger than the whole journal is refused with a RangeError at commit(), changing nothing", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk, { journalBlocks: 8 });
    commit(fs, [["small", "s"]]);
    const journal = journalOf(fs);
    const before = disk.writes;
    // The bitmap, 3 inode blocks and 3 directory blocks change: with descriptor and commit, 9 journal blocks.
    const tx = fs.begin();
    for (let i = 0; i < 40; i++) tx.write(`new${i}`, "n");
    expect(() => tx.commit()).toThrow(RangeError);
    expect(files(fs)).toEqual({ small: "s" });
    expect(journalOf(fs), "journal after the refused commit").toEqual(journal);
    expect(disk.writes, "disk writes made by the refused commit").toBe(before);
    expect(files(OrderedFS.mount(disk.reboot())), "after a reboot").toEqual({ small: "s" });
  });

  test("a transaction that needs exactly the whole journal is accepted", () => {
    const ops: Op[] = Array.from({ length: 40 }, (_, i) => [`new${i}`, "n"] as const);
    // How many journal blocks the transaction takes, measured on a journal with room to spare.
    const probe = OrderedFS.mount(new SimDisk(), { journalBlocks: 64 });
    commit(probe, ops);
    const needed = probe.journal.usedBlocks;
    expect(needed, "journal blocks of 40 new files").toBeGreaterThanOrEqual(8);
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk, { journalBlocks: needed });
    commit(fs, ops);
    expect(fs.journal.usedBlocks, "the transaction fills the journal exactly").toBe(needed);
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual(apply({}, ops));
  });

  test("a commit that exactly fits the rest of the journal does not checkpoint: usedBlocks reaches capacityBlocks", () => {
    const first: Op[] = Array.from({ length: 20 }, (_, i) => [`a${i}`, "a"] as const);
    const second: Op[] = Array.from({ length: 20 }, (_, i) => [`b${i}`, "b"] as const);
    // Each transaction's journal blocks, measured on a journal with room to spare.
    const probe = OrderedFS.mount(new SimDisk(), { journalBlocks: 64 });
    commit(probe, first);
    const one = probe.journal.usedBlocks;
    commit(probe, second);
    const both = probe.journal.usedBlocks;
    expect(both, "journal blocks of the two transactions").toBeGreaterThanOrEqual(8);
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk, { journalBlocks: both });
    commit(fs, first);
    expect(fs.journal.usedBlocks).toBe(one);
    commit(fs, second);
    expect(fs.journal.usedBlocks, "the journal was not full, so the commit must not checkpoint first").toBe(both);
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual(apply(apply({}, first), second));
  });

  test("a commit that finds the journal full checkpoints first", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk, { journalBlocks: 10 });
    const want: Files = {};
    for (let i = 0; i < 12; i++) {
      want[`f${i}`] = text(`f${i}`, 300);
      commit(fs, [[`f${i}`, want[`f${i}`]]]);
      expect(fs.journal.usedBlocks).toBeLessThanOrEqual(10);
    }
    expect(fs.journal.lastTxid).toBe(12);
    expect(files(OrderedFS.mount(disk.reboot()))).toEqual(want);
  });
});

/** A disk that remembers what each write carried, to see where file data went. */
class RecordingDisk extends SimDisk {
  readonly carried: { block: number; data: Uint8Array }[] = [];
  override write(block: number, data: Uint8Array, label?: string): void {
    super.write(block, data, label);
    this.carried.push({ block, data: data.slice() });
  }
}

/** Writes whose data is this chunk (zero-padded or not). */
function writesCarrying(disk: RecordingDisk, chunk: Uint8Array): number[] {
  return disk.carried
    .map((w, i) => (w.data.length >= chunk.length && chunk.every((b, j) => w.data[j] === b) && w.data.subarray(chunk.length).every((b) => b === 0) ? i : -1))
    .filter((i) => i >= 0);
}

function isCommitBlock(data: Uint8Array): boolean {
  if (data.length < 8) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  return view.getUint32(0) === JOURNAL_MAGIC && view.getUint32(4) === BLOCK_TYPE.commit;
}

describe("ordered mode: only metadata is journaled, data goes home first", () => {
  const content = text("payload", 4 * 512);
  const chunks = [0, 1, 2, 3].map((i) => new TextEncoder().encode(content).subarray(i * 512, (i + 1) * 512));

  test("file data is written exactly once, to its home blocks, never to the journal (commit and checkpoint)", () => {
    const disk = new RecordingDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, [["big.bin", content]]);
    fs.checkpoint();
    chunks.forEach((chunk, i) => expect(writesCarrying(disk, chunk).length, `writes carrying data block ${i + 1} of 4`).toBe(1));
    expect(OrderedFS.mount(disk.reboot()).read("big.bin")).toBe(content);
  });

  test("the data reaches its home blocks before the commit block reaches the journal", () => {
    const disk = new RecordingDisk();
    const fs = OrderedFS.mount(disk);
    const start = disk.carried.length;
    commit(fs, [["big.bin", content]]);
    const commitAt = disk.carried.findIndex((w, i) => i >= start && isCommitBlock(w.data));
    expect(commitAt, "the commit wrote a commit block").toBeGreaterThanOrEqual(0);
    for (const [i, chunk] of chunks.entries()) {
      const at = writesCarrying(disk, chunk);
      expect(at.length, `data block ${i + 1} was written`).toBe(1);
      expect(at[0], `data block ${i + 1} is written before the commit block`).toBeLessThan(commitAt);
    }
  });

  test("a commit of a 4-block file writes far fewer blocks than data journaling would (at most 4 data + 6 journal)", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    const before = disk.writes;
    commit(fs, [["big.bin", content]]);
    expect(disk.writes - before).toBeLessThanOrEqual(10);
  });
});

/**
 * Writes transactions into the journal by hand, in the lesson's format, the way a
 * correct commit() would (data home first); recovery alone is then under test.
 */
class HandJournal {
  readonly layout: Layout;
  readonly #disk: SimDisk;
  readonly #images = new Map<number, Uint8Array>();
  #position = 0;
  #txid = 1;

  constructor(disk: SimDisk) {
    this.#disk = disk;
    OrderedFS.mount(disk); // formats
    this.layout = readLayout(disk)!;
    const { bitmapBlock, inodeStart, inodeBlocks } = this.layout;
    for (const b of [bitmapBlock, ...Array.from({ length: inodeBlocks }, (_, i) => inodeStart + i)]) this.#images.set(b, disk.read(b));
    // A format may give the root directory blocks from the start: they are metadata too.
    const root = inodeLocation(this.layout, ROOT_INODE);
    const rootInode = decodeInode(this.#images.get(root.block)!, root.offset);
    if (rootInode.kind === "directory") for (const b of rootInode.blocks) this.#images.set(b, disk.read(b));
  }

  /** Journals one transaction; without its commit block when `committed` is false. */
  add(ops: readonly Op[], committed = true): void {
    const fileOps: FileOp[] = ops.map(([name, data]) =>
      data === undefined ? { kind: "delete", name } : { kind: "write", name, bytes: new TextEncoder().encode(data) });
    const plan = planTransaction(this.layout, this.#images, fileOps);
    const txid = this.#txid++;
    for (const w of plan.dataWrites) this.#disk.write(w.block, w.bytes, w.label);
    const start = this.layout.journalStart + this.#position;
    const homes = [...plan.metadata.keys()];
    this.#disk.write(start, encodeDescriptor(this.layout, txid, homes, plan.freedMetadata.length > 0));
    homes.forEach((home, i) => this.#disk.write(start + 1 + i, plan.metadata.get(home)!));
    if (plan.freedMetadata.length > 0) this.#disk.write(start + 1 + homes.length, encodeRevokeBlock(this.layout, txid, plan.freedMetadata));
    const length = transactionLength(homes.length, plan.freedMetadata.length);
    if (committed) this.#disk.write(start + length - 1, encodeCommit(this.layout, txid));
    this.#position += length;
    for (const b of plan.freedMetadata) this.#images.delete(b);
    for (const [home, image] of plan.metadata) this.#images.set(home, image);
  }
}

describe("recovery", () => {
  test("recovery replays a committed transaction written in the lesson's journal format, and not one without its commit block", () => {
    const disk = new SimDisk();
    const journal = new HandJournal(disk);
    journal.add([["a.txt", "alpha"], ["b.txt", text("b", 700)]]);
    journal.add([["c.txt", "never committed"]], false);
    const rebooted = disk.reboot();
    const fs = OrderedFS.mount(rebooted);
    expect(files(fs)).toEqual({ "a.txt": "alpha", "b.txt": text("b", 700) });
    expect(journalOf(fs)).toEqual({ usedBlocks: 0, capacityBlocks: 64, lastTxid: 1 });
    assertFsckClean(rebooted);
  });

  test("recovery honours revoke records: a revoked block's older journal copies are not replayed over its new contents", () => {
    const disk = new SimDisk();
    const journal = new HandJournal(disk);
    for (const step of REUSE) if ("tx" in step) journal.add(step.tx);
    const rebooted = disk.reboot();
    const fs = OrderedFS.mount(rebooted);
    expectOneOf("f2.txt, whose data now lives in the revoked directory block,", fs.read("f2.txt"), [["as transaction 3 wrote it", text("grown", 900)]]);
    expect(fs.journal.lastTxid).toBe(3);
    assertFsckClean(rebooted);
  });

  test("a journal header that starts at a later id makes older transactions stale: they are not replayed", () => {
    const disk = new SimDisk();
    const journal = new HandJournal(disk);
    journal.add([["a.txt", "stale"]]);
    disk.write(journal.layout.journalHeader, encodeJournalHeader(2));
    const rebooted = disk.reboot();
    const fs = OrderedFS.mount(rebooted);
    expect(fs.list()).toEqual([]);
    expect(fs.journal.lastTxid).toBe(1);
  });

  test("mount() after a reboot replays committed transactions, empties the journal, and fsck finds nothing wrong", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, [["a", "1"], ["b", text("b", 700)]]);
    commit(fs, [["a", undefined], ["c", "3"]]);
    const rebooted = disk.reboot();
    const again = OrderedFS.mount(rebooted);
    expect(files(again)).toEqual({ b: text("b", 700), c: "3" });
    expect(journalOf(again)).toEqual({ usedBlocks: 0, capacityBlocks: 64, lastTxid: 2 });
    assertFsckClean(rebooted);
  });

  test("recovery is idempotent: mounting the same disk again gives the same files, and ids go on", () => {
    const disk = new SimDisk();
    commit(OrderedFS.mount(disk), [["a", "1"], ["b", "2"]]);
    const first = disk.reboot();
    const once = files(OrderedFS.mount(first));
    const second = first.reboot();
    const twice = OrderedFS.mount(second);
    expect(files(twice)).toEqual(once);
    assertFsckClean(second);
    expect(commit(twice, [["c", "3"]])).toBe(2);
  });

  test("stale journal blocks from before a checkpoint are never replayed", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, SEVENTEEN);
    commit(fs, [["f1.txt", "old one"], ["f2.txt", "old two"]]);
    fs.checkpoint();
    commit(fs, [["f1.txt", "new one"]]);
    const rebooted = disk.reboot();
    const again = OrderedFS.mount(rebooted);
    expect(again.read("f1.txt")).toBe("new one");
    expect(again.read("f2.txt")).toBe("old two");
    expect(again.list().length).toBe(17);
    assertFsckClean(rebooted);
  });
});

describe("block reuse and revoke records", () => {
  test("a directory block freed by one transaction and reused as file data by the next survives recovery", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    for (const step of REUSE) if ("tx" in step) commit(fs, step.tx);
    expect(fs.read("f2.txt")).toBe(text("grown", 900));
    const rebooted = disk.reboot();
    const again = OrderedFS.mount(rebooted);
    expectOneOf("f2.txt after recovery", again.read("f2.txt"), [["as transaction 3 wrote it", text("grown", 900)]]);
    assertFsckClean(rebooted);
  });

  test("checkpoint() never writes a freed directory block's old image over its new contents", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    for (const step of REUSE) if ("tx" in step) commit(fs, step.tx);
    fs.checkpoint();
    expectOneOf("f2.txt after checkpoint()", fs.read("f2.txt"), [["as transaction 3 wrote it", text("grown", 900)]]);
    const rebooted = disk.reboot();
    expectOneOf("f2.txt after a reboot", OrderedFS.mount(rebooted).read("f2.txt"), [["as transaction 3 wrote it", text("grown", 900)]]);
    assertFsckClean(rebooted);
  });

  test("a block revoked by one transaction and journaled again by a later one is replayed from the later copy", () => {
    const disk = new SimDisk();
    const fs = OrderedFS.mount(disk);
    commit(fs, SEVENTEEN);
    commit(fs, [["f17.txt", undefined]]);
    // A new name needs a new directory block again: the one just freed and revoked.
    commit(fs, [["again.txt", "back"]]);
    const rebooted = disk.reboot();
    const again = OrderedFS.mount(rebooted);
    expect(again.read("again.txt")).toBe("back");
    expect(again.list().length).toBe(17);
    assertFsckClean(rebooted);
  });
});

describe("crash exploration: every crash point, fsck after every recovery", () => {
  test("one transaction writing three files is all or nothing", () => {
    exploreWorkload("three files", [{ tx: [["a.txt", "tiny"], ["b.txt", text("b", 600)], ["c.txt", text("c", 1000)]] }]);
  });

  test("overwrites and deletes keep every committed transaction and never show a mix", () => {
    exploreWorkload("overwrite and delete", [
      { tx: [["a", text("a1", 700)], ["b", "bee"]] },
      { tx: [["a", text("a2", 300)], ["b", undefined], ["c", text("c", 520)]] },
      { tx: [["a", undefined]] },
    ]);
  });

  test("checkpoints, explicit and forced by a small journal, lose nothing", () => {
    exploreWorkload("checkpoints", [
      { tx: [["a", text("a", 600)], ["b", "b"]] },
      { checkpoint: true },
      { tx: [["a", "shrunk"]] },
      { tx: [["c", text("c", 900)]] },
      { tx: [["b", undefined], ["d", "d"]] },
    ], { journalBlocks: 8 });
  });

  test("block reuse: a freed directory block that becomes file data is never overwritten by replay", () => {
    exploreWorkload("block reuse", [...REUSE, { checkpoint: true }, { tx: [["f3.txt", "last"]] }]);
  });
});

describe("crash exploration on a disk with a write cache (volatile model, 64-byte sectors)", () => {
  const volatileDisk = () => new SimDisk({ model: "volatile", sectorSize: 64 });

  test("writes, overwrites and deletes survive lost, reordered and torn cached writes", () => {
    exploreWorkload("volatile: overwrite and delete", [
      { tx: [["a", text("a1", 700)], ["b", "bee"]] },
      { tx: [["a", text("a2", 300)], ["b", undefined]] },
      { checkpoint: true },
    ], { newDisk: volatileDisk, volatile: { maxSubsets: 16, recoveryMaxSubsets: 4 } });
  });

  test("block reuse survives lost and reordered cached writes", () => {
    exploreWorkload("volatile: block reuse", REUSE, { newDisk: volatileDisk, volatile: { maxSubsets: 8, recoveryMaxSubsets: 4, torn: false } });
  });
});
