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
