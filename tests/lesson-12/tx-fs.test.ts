/**
 * Hidden tests for lesson 12, the journal abort step by step: what a refused write or
 * flush must do to the operation running (throw the disk's IOError, or an error caused by
 * it), to the file system (read-only, reads still served), to later operations (they throw,
 * naming the abort), and what the next mount must find. Only the lesson's contract is used:
 * lesson 5's TxFS plus `readOnly`, on lib/sim-disk.ts's I/O errors.
 */
import { describe, expect, test } from "vitest";
import { TxFS } from "@impl/lesson-12/tx-fs.ts";
import { CrashError, SimDisk } from "../../lib/sim-disk.ts";

const volatileDisk = (blocks = 96) => new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
const long = (tag: string) => (tag + ":" + "k".repeat(1000)).slice(0, 1000);

function commitFiles(fs: TxFS, files: Record<string, string>): number {
  const tx = fs.begin();
  for (const [name, data] of Object.entries(files)) tx.write(name, data);
  return tx.commit();
}

/** The error `run` throws; fails the test when it returns. */
function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected it to throw, but it returned");
}

/** The disk's IOError, or an error whose cause is one (by name, as another copy of sim-disk.ts would make it). */
function expectReportsIOError(error: Error): void {
  const cause = (error as { cause?: unknown }).cause as Error | undefined;
  expect(error.name === "IOError" || cause?.name === "IOError", `${error.name}: ${error.message} reports the disk's IOError`).toBe(true);
}

function expectNamesAbort(error: Error): void {
  expect(error.message).toMatch(/abort|read-only/i);
  expect((error as { cause?: { name?: string } }).cause?.name, "the error's cause is the IOError that aborted the journal").toBe("IOError");
}

describe("the journal abort", () => {
  test("a commit whose flush fails throws the disk's IOError, and the file system turns read-only", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "a.txt": "one" });
    expect(fs.readOnly).toBe(false);
    disk.failFlushAfter(0);
    expectReportsIOError(thrownBy(() => commitFiles(fs, { "b.txt": "two" })));
    expect(fs.readOnly).toBe(true);
  });

  test("a refused write throws the disk's IOError from commit(), and the file system turns read-only", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    disk.failWriteAfter(1);
    expectReportsIOError(thrownBy(() => commitFiles(fs, { "a.txt": long("a"), "b.txt": "b" })));
    expect(fs.readOnly).toBe(true);
  });

  test("after the abort, begin() and checkpoint() throw, naming the abort, with the IOError as cause", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "a.txt": "one" });
    disk.failFlushAfter(0);
    thrownBy(() => commitFiles(fs, { "b.txt": "two" }));
    const writesAtAbort = disk.writes;
    expectNamesAbort(thrownBy(() => fs.begin()));
    expectNamesAbort(thrownBy(() => fs.checkpoint()));
    expect(disk.writes, "no disk write after the abort").toBe(writesAtAbort);
  });

  test("a transaction open when checkpoint() meets the error can no longer write, delete or commit", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "a.txt": "one" });
    const tx = fs.begin();
    tx.write("b.txt", "two");
    disk.failWriteAfter(0);
    let checkpointError: Error | undefined;
    try {
      fs.checkpoint();
    } catch (error) {
      checkpointError = error as Error;
    }
    if (checkpointError === undefined) {
      // A design whose checkpoint has nothing to write: the commit meets the refused write.
      expectReportsIOError(thrownBy(() => tx.commit()));
    } else {
      expectReportsIOError(checkpointError);
      expectNamesAbort(thrownBy(() => tx.write("c.txt", "three")));
      expectNamesAbort(thrownBy(() => tx.delete("a.txt")));
      expectNamesAbort(thrownBy(() => tx.commit()));
    }
    expect(fs.readOnly).toBe(true);
    expect(fs.read("b.txt")).toBeUndefined();
  });

  test("reads and list() keep serving the last committed state after the abort, and nothing of the failed commit", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "a.txt": "one" });
    disk.failFlushAfter(0);
    thrownBy(() => commitFiles(fs, { "a.txt": "changed", "b.txt": "two" }));
    expect(fs.read("a.txt")).toBe("one");
    expect(fs.read("b.txt")).toBeUndefined();
    expect(fs.list()).toEqual(["a.txt"]);
  });

  test("the very first write refused (formatting, or the first commit) reaches the caller, and after a reboot the disk formats afresh", () => {
    const disk = volatileDisk();
    disk.failWriteAfter(0);
    expectReportsIOError(thrownBy(() => commitFiles(TxFS.mount(disk), { "a.txt": "one" })));
    const after = TxFS.mount(disk.reboot());
    expect(after.list()).toEqual([]);
    commitFiles(after, { "a.txt": "two" });
    expect(after.read("a.txt")).toBe("two");
  });

  test("a power cut is not an I/O error: its CrashError passes through unchanged", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    disk.crashAfter(0);
    expect(thrownBy(() => commitFiles(fs, { "a.txt": "one" }))).toBeInstanceOf(CrashError);
  });
});

describe("recovery at the next mount", () => {
  test("a commit whose flush failed is absent after the reboot, even when a flush after it would have succeeded", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "a.txt": "one" });
    disk.failFlushAfter(0);
    thrownBy(() => commitFiles(fs, { "b.txt": "two" }));
    for (const after of [TxFS.mount(disk.reboot()), TxFS.mount(disk.reboot({ reached: [] }))]) {
      expect(after.read("a.txt")).toBe("one");
      expect(after.read("b.txt")).toBeUndefined();
    }
  });

  test("a transaction whose write was refused is wholly absent, even when the cache reaches the disk", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitFiles(fs, { "keep.txt": "kept" });
    disk.failWriteAfter(2);
    thrownBy(() => commitFiles(fs, { "a.txt": long("a"), "b.txt": long("b") }));
    const after = TxFS.mount(disk.reboot());
    expect(after.list()).toEqual(["keep.txt"]);
  });

  test("the next mount is writable again, keeps every commit that returned, and never reuses an id", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const first = commitFiles(fs, { "a.txt": "one" });
    const second = commitFiles(fs, { "b.txt": "two" });
    disk.failFlushAfter(0);
    thrownBy(() => commitFiles(fs, { "c.txt": "three" }));
    const rebooted = disk.reboot({ reached: [] });
    const after = TxFS.mount(rebooted);
    expect(after.readOnly).toBe(false);
    expect(after.journal.lastTxid).toBeGreaterThanOrEqual(second);
    const third = commitFiles(after, { "c.txt": "again" });
    expect(third).toBeGreaterThan(Math.max(first, second));
    expect(TxFS.mount(rebooted.reboot({ reached: [] })).read("c.txt")).toBe("again");
  });

  test("a mount that cannot read the disk (bad blocks) throws the IOError and writes nothing: it never formats over data", () => {
    const disk = volatileDisk();
    commitFiles(TxFS.mount(disk), { "a.txt": "one" });
    const rebooted = disk.reboot();
    for (let block = 0; block < rebooted.blocks; block++) rebooted.markBad(block);
    expectReportsIOError(thrownBy(() => TxFS.mount(rebooted)));
    expect(rebooted.writes).toBe(0);
  });
});

/** A power cut that loses everything still in the write cache, then a mount. */
function powerCut(disk: SimDisk): { disk: SimDisk; fs: TxFS } {
  const next = disk.reboot({ reached: [] });
  return { disk: next, fs: TxFS.mount(next) };
}

type Change = readonly [name: string, data: string | null];

function commitChanges(fs: TxFS, ...changes: Change[]): number {
  const tx = fs.begin();
  for (const [name, data] of changes) {
    if (data === null) tx.delete(name);
    else tx.write(name, data);
  }
  return tx.commit();
}

function filesIn(fs: TxFS): Record<string, string | undefined> {
  return Object.fromEntries(fs.list().map((name) => [name, fs.read(name)]));
}

/** The recovery report's three fields, read one by one (the contract fixes them, not the object's shape). */
function reportOf(fs: TxFS): { replayed: number; discarded: number; reasons: string[] } {
  const { replayed, discarded, reasons } = fs.recovery;
  return { replayed, discarded, reasons: [...reasons] };
}

// Lesson 12's text: "Everything lesson 5 promises still holds". These are lesson 5's
// promises, on the same disk model, for the code the skeleton gives.
describe("lesson 5's contract still holds", () => {
  test("a fresh disk has no files, lastTxid 0 and an empty recovery report, also after a power cut", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    for (const mounted of [fs, powerCut(disk).fs]) {
      expect(mounted.list()).toEqual([]);
      expect(mounted.journal.lastTxid).toBe(0);
      expect(reportOf(mounted)).toEqual({ replayed: 0, discarded: 0, reasons: [] });
    }
  });

  test("a committed transaction reads back, with a rename and a 1000-byte file, also after a power cut and a checkpoint", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitChanges(fs, ["old.txt", "contents"], ["big", long("big")]);
    commitChanges(fs, ["new.txt", "contents"], ["old.txt", null], ["gone", null]);
    const expected = { big: long("big"), "new.txt": "contents" };
    expect(filesIn(fs)).toEqual(expected);
    const after = powerCut(disk);
    expect(filesIn(after.fs)).toEqual(expected);
    after.fs.checkpoint();
    expect(filesIn(powerCut(after.disk).fs)).toEqual(expected);
  });

  test("transaction ids rise by commit, empty transactions included; an abort writes nothing and changes nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const ids = [commitChanges(fs, ["a", "1"]), commitChanges(fs), commitChanges(fs, ["a", "2"])];
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect(ids[2]).toBeGreaterThan(ids[1]);
    expect(fs.journal.lastTxid).toBe(ids[2]);
    const writes = disk.writes;
    const tx = fs.begin();
    tx.write("a", "aborted");
    tx.abort();
    expect(fs.read("a")).toBe("2");
    expect(disk.writes).toBe(writes);
  });

  test("one transaction at a time; a transaction cannot be used after commit() or abort()", () => {
    const fs = TxFS.mount(volatileDisk());
    const tx = fs.begin();
    expect(() => fs.begin()).toThrow(Error);
    tx.commit();
    expect(() => tx.write("a", "1")).toThrow(Error);
    expect(() => tx.delete("a")).toThrow(Error);
    expect(() => tx.commit()).toThrow(Error);
    const other = fs.begin();
    other.abort();
    expect(() => other.commit()).toThrow(Error);
    expect(() => other.abort()).toThrow(Error);
    fs.begin().commit();
  });

  test("bad names and oversized contents are refused with TypeError or RangeError", () => {
    const fs = TxFS.mount(volatileDisk());
    const tx = fs.begin();
    expect(() => tx.write(42 as unknown as string, "x")).toThrow(TypeError);
    expect(() => tx.write("ok", 42 as unknown as string)).toThrow(TypeError);
    expect(() => tx.write("no/slash", "x")).toThrow(RangeError);
    expect(() => tx.write("a".repeat(25), "x")).toThrow(RangeError);
    expect(() => tx.write("ok", "x".repeat(1001))).toThrow(RangeError);
    expect(() => tx.delete("")).toThrow(RangeError);
    expect(() => fs.read("bad name")).toThrow(RangeError);
    tx.write("a".repeat(24), "x".repeat(1000));
    tx.commit();
    expect(fs.read("a".repeat(24))).toBe("x".repeat(1000));
  });

  test("a transaction larger than the whole journal is refused at commit(), changing nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 6 });
    commitChanges(fs, ["keep", "1"]);
    const tx = fs.begin();
    for (let i = 0; i < 4; i++) tx.write(`f${i}`, long(`f${i}`));
    expect(() => tx.commit()).toThrow(RangeError);
    expect(filesIn(fs)).toEqual({ keep: "1" });
    expect(filesIn(powerCut(disk).fs)).toEqual({ keep: "1" });
  });

  test("usedBlocks grows with each commit and checkpoint() empties the journal; a used disk keeps its journal size", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    expect(fs.journal.usedBlocks).toBe(0);
    commitChanges(fs, ["a", "1"]);
    const one = fs.journal.usedBlocks;
    expect(one).toBeGreaterThan(0);
    commitChanges(fs, ["b", "2"]);
    expect(fs.journal.usedBlocks).toBeGreaterThan(one);
    fs.checkpoint();
    expect(fs.journal.usedBlocks).toBe(0);
    expect(fs.journal.capacityBlocks).toBe(64);
    expect(filesIn(fs)).toEqual({ a: "1", b: "2" });
    const small = volatileDisk();
    TxFS.mount(small, { journalBlocks: 8 });
    expect(TxFS.mount(small.reboot(), { journalBlocks: 16 }).journal.capacityBlocks).toBe(8);
  });

  test("a full journal checkpoints by itself and loses nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 8 });
    for (let i = 0; i < 10; i++) commitChanges(fs, [`f${i % 3}`, `v${i}`]);
    expect(fs.journal.usedBlocks).toBeLessThanOrEqual(8);
    expect(filesIn(powerCut(disk).fs)).toEqual({ f0: "v9", f1: "v7", f2: "v8" });
  });

  test("commit() flushes once, and a power cut right after it returns loses nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    for (const changes of [[["a", "1"]], [["b", long("b")], ["c", "3"]], []] as Change[][]) {
      const flushes = disk.flushes;
      commitChanges(fs, ...changes);
      expect(disk.flushes - flushes, `flushes during a commit of ${changes.length} files`).toBe(1);
    }
    const after = powerCut(disk).fs;
    expect(filesIn(after)).toEqual({ a: "1", b: long("b"), c: "3" });
    expect(after.journal.lastTxid).toBe(fs.journal.lastTxid);
  });

  test("the recovery report counts the transactions replayed, and is empty after a checkpoint", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitChanges(fs, ["a", "1"]);
    commitChanges(fs, ["b", "2"]);
    const last = commitChanges(fs, ["a", "3"]);
    const after = powerCut(disk);
    expect(reportOf(after.fs)).toEqual({ replayed: 3, discarded: 0, reasons: [] });
    expect(filesIn(after.fs)).toEqual({ a: "3", b: "2" });
    expect(after.fs.journal.lastTxid).toBe(last);
    expect(commitChanges(after.fs, ["c", "4"])).toBeGreaterThan(last);
    after.fs.checkpoint();
    expect(reportOf(powerCut(after.disk).fs)).toEqual({ replayed: 0, discarded: 0, reasons: [] });
  });

  test("a commit whose block was lost at a power cut is discarded and reported, and its id is never handed out again", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const first = commitChanges(fs, ["a", "1"]);
    disk.crashBeforeFlush(0);
    expect(() => commitChanges(fs, ["b", long("b")], ["c", "2"])).toThrow(CrashError);
    const pending = disk.pending;
    let reported = 0;
    for (const lost of pending.slice(1, -1)) {
      const fs2Disk = disk.reboot({ reached: pending.filter((w) => w !== lost).map((w) => w.index) });
      const fs2 = TxFS.mount(fs2Disk);
      expect(filesIn(fs2), `write ${lost.index} (block ${lost.block}) lost`).toEqual({ a: "1" });
      const { replayed, discarded, reasons } = reportOf(fs2);
      expect(replayed).toBe(1);
      expect(reasons).toHaveLength(discarded);
      if (discarded > 0) {
        reported++;
        const id = Number(/^transaction (\d+): \S/.exec(reasons[0])?.[1]);
        expect(id, reasons[0]).toBeGreaterThan(first);
        expect(commitChanges(fs2, ["d", "3"])).toBeGreaterThan(id);
        expect(filesIn(powerCut(fs2Disk).fs), "the discarded transaction never comes back").toEqual({ a: "1", d: "3" });
      }
    }
    expect(reported, "incomplete transactions recovery reported").toBeGreaterThan(0);
  });
});

describe("lesson 5's contract still holds: full disks, damaged journals, and what is not an I/O error", () => {
  test("a full disk refuses the file one too many with a RangeError, changing nothing; a delete makes room in the same transaction", () => {
    for (const blocks of [256, 254]) {
      const disk = new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
      const fs = TxFS.mount(disk);
      const stored: Record<string, string> = {};
      let refused: unknown;
      for (let i = 0; i < 200 && refused === undefined; i++) {
        try {
          commitChanges(fs, [`f${String(i).padStart(3, "0")}`, long(`f${i}`)]);
          stored[`f${String(i).padStart(3, "0")}`] = long(`f${i}`);
        } catch (error) {
          refused = error;
        }
      }
      expect(refused, `a ${blocks}-block disk filled with 1000-byte files`).toBeInstanceOf(RangeError);
      if (blocks === 256) expect(Object.keys(stored).length, "the default disk holds at least 20 files of 1000 bytes").toBeGreaterThanOrEqual(20);
      expect(filesIn(fs)).toEqual(stored);
      const after = powerCut(disk);
      expect(filesIn(after.fs)).toEqual(stored);
      commitChanges(after.fs, ["f000", null], ["new", "room made"]);
      delete stored.f000;
      expect(filesIn(powerCut(after.disk).fs)).toEqual({ ...stored, new: "room made" });
    }
  });

  test("list() is sorted, whatever order the files were written in, also after a remount", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commitChanges(fs, ["zeta", "1"], ["Alpha", "2"], ["beta", "3"]);
    commitChanges(fs, ["a.txt", "4"]);
    const sorted = ["Alpha", "a.txt", "beta", "zeta"];
    expect(fs.list()).toEqual(sorted);
    const after = powerCut(disk);
    after.fs.checkpoint();
    expect(after.fs.list()).toEqual(sorted);
    expect(powerCut(after.disk).fs.list()).toEqual(sorted);
  });

  test("bad options are refused: not an object or not a number a TypeError, a journal too small or leaving no room for files a RangeError", () => {
    expect(() => TxFS.mount(volatileDisk(), { journalBlocks: "8" as unknown as number })).toThrow(TypeError);
    expect(() => TxFS.mount(volatileDisk(), null as unknown as { journalBlocks?: number })).toThrow(TypeError);
    expect(() => TxFS.mount(volatileDisk(), 64 as unknown as { journalBlocks?: number })).toThrow(TypeError);
    expect(() => TxFS.mount(volatileDisk(), { journalBlocks: 0 })).toThrow(RangeError);
    expect(() => TxFS.mount(volatileDisk(), { journalBlocks: 8.5 })).toThrow(RangeError);
    expect(() => TxFS.mount(volatileDisk(), { journalBlocks: 95 })).toThrow(RangeError);
  });

  test("a transaction that needs exactly the whole journal is accepted, and survives a power cut", () => {
    const changes: Change[] = Array.from({ length: 4 }, (_, i) => [`f${i}`, long(`f${i}`)] as const);
    const probe = TxFS.mount(volatileDisk());
    commitChanges(probe, ...changes);
    const needed = probe.journal.usedBlocks;
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: needed });
    commitChanges(fs, ...changes);
    expect(fs.journal.usedBlocks, "the transaction fills the journal exactly").toBe(needed);
    expect(filesIn(powerCut(disk).fs)).toEqual(Object.fromEntries(changes));
  });

  test("a commit that fits the journal's free blocks exactly needs no checkpoint first: usedBlocks adds up", () => {
    const probe = TxFS.mount(volatileDisk());
    commitChanges(probe, ["a", "1"]);
    const one = probe.journal.usedBlocks;
    const fs = TxFS.mount(volatileDisk(), { journalBlocks: Math.max(4, 2 * one) });
    const room = fs.journal.capacityBlocks;
    commitChanges(fs, ["a", "1"]);
    commitChanges(fs, ["b", "2"]);
    if (room === 2 * one) expect(fs.journal.usedBlocks, "two commits that fill the journal exactly, no checkpoint between").toBe(2 * one);
  });

  test("a flipped bit in a committed transaction stops replay there: the transactions before it stay, it and later ones are reported", () => {
    let reported = 0;
    const probe = volatileDisk();
    const fs = TxFS.mount(probe);
    const first = commitChanges(fs, ["a", "one"], ["big", long("v1")]);
    const before = probe.writes;
    const second = commitChanges(fs, ["b", "two"], ["big", long("v2")]);
    const written = probe.log.slice(before);
    commitChanges(fs, ["a", "three"], ["b", null]);
    for (const w of written) {
      const copy = probe.reboot();
      const bytes = copy.read(w.block);
      bytes[Math.floor(w.bytes / 2)] ^= 0x10;
      copy.write(w.block, bytes);
      const damaged = TxFS.mount(copy.reboot());
      const got = filesIn(damaged);
      if (damaged.recovery.discarded === 0 && got.a === "three") continue; // the flip hit a byte nothing reads
      expect(got, `bit flipped in block ${w.block}, written by transaction ${second}`).toEqual({ a: "one", big: long("v1") });
      expect(damaged.recovery.replayed).toBe(1);
      expect(damaged.journal.lastTxid).toBe(first);
      const { discarded, reasons } = damaged.recovery;
      expect(reasons).toHaveLength(discarded);
      const named = reasons.map((reason) => Number(/^transaction (\d+): \S/.exec(reason)?.[1]));
      for (const [i, id] of named.entries()) expect(id, reasons[i]).toBeGreaterThanOrEqual(second);
      expect(new Set(named).size, `one reason per discarded transaction: ${JSON.stringify(reasons)}`).toBe(named.length);
      if (discarded > 0) reported++;
    }
    expect(reported, "damaged transactions recovery found and reported").toBeGreaterThan(0);
  });

  test("after a power cut (a CrashError), the file system is not read-only: no I/O error happened", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    disk.crashAfter(1);
    expect(thrownBy(() => commitChanges(fs, ["a.txt", "one"], ["b.txt", long("b")]))).toBeInstanceOf(CrashError);
    expect(fs.readOnly).toBe(false);
  });
});
