/**
 * Hidden tests for lesson 5 (contract: lessons/lesson-5/README.md, "What you implement"):
 * lesson 4's TxFS on a disk with a volatile write cache, commit() durable on return with a
 * single flush, and the recovery report. Crash exploration is in crashes.test.ts, torn
 * and damaged journal blocks in integrity.test.ts. Only the public API is used.
 */
import { describe, expect, test } from "vitest";
import { TxFS } from "@impl/lesson-5/tx-fs.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { volatileDisk } from "./crash-workloads.ts";

type Change = readonly [name: string, data: string | null];

function commit(fs: TxFS, ...changes: Change[]): number {
  const tx = fs.begin();
  for (const [name, data] of changes) {
    if (data === null) tx.delete(name);
    else tx.write(name, data);
  }
  return tx.commit();
}

function files(fs: TxFS): Record<string, string | undefined> {
  return Object.fromEntries(fs.list().map((name) => [name, fs.read(name)]));
}

/** A power cut that loses everything still in the write cache, then a mount. */
function powerCut(disk: SimDisk): { disk: SimDisk; fs: TxFS } {
  const next = disk.reboot({ reached: [] });
  return { disk: next, fs: TxFS.mount(next) };
}

/** The recovery report's three fields, read one by one (the contract fixes them, not the object's shape). */
function reportOf(fs: TxFS): { replayed: number; discarded: number; reasons: string[] } {
  const { replayed, discarded, reasons } = fs.recovery;
  return { replayed, discarded, reasons: [...reasons] };
}

const kb = (tag: string) => (tag + "-").repeat(1000).slice(0, 1000);

describe("the lesson 4 API on a disk with a write cache", () => {
  test("a fresh disk has no files, lastTxid 0 and an empty recovery report, also after a power cut", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    expect(fs.list()).toEqual([]);
    expect(fs.journal.lastTxid).toBe(0);
    expect(reportOf(fs)).toEqual({ replayed: 0, discarded: 0, reasons: [] });
    const after = powerCut(disk).fs;
    expect(after.list()).toEqual([]);
    expect(after.journal.lastTxid).toBe(0);
    expect(reportOf(after)).toEqual({ replayed: 0, discarded: 0, reasons: [] });
  });

  test("a committed transaction reads back, with a rename and a 1000-byte file", () => {
    const fs = TxFS.mount(volatileDisk());
    commit(fs, ["old.txt", "contents"], ["big", kb("big")]);
    commit(fs, ["new.txt", "contents"], ["old.txt", null]);
    expect(files(fs)).toEqual({ big: kb("big"), "new.txt": "contents" });
  });

  test("transaction ids rise by commit, empty transactions included, and lastTxid follows", () => {
    const fs = TxFS.mount(volatileDisk());
    const ids = [commit(fs, ["a", "1"]), commit(fs), commit(fs, ["a", "2"])];
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect(ids[2]).toBeGreaterThan(ids[1]);
    expect(fs.journal.lastTxid).toBe(ids[2]);
  });

  test("an aborted transaction changes nothing and writes nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a", "1"]);
    const writes = disk.writes;
    const tx = fs.begin();
    tx.write("a", "aborted");
    tx.abort();
    expect(fs.read("a")).toBe("1");
    expect(disk.writes).toBe(writes);
  });

  test("a transaction cannot be used after commit() or abort()", () => {
    const fs = TxFS.mount(volatileDisk());
    const tx = fs.begin();
    tx.commit();
    expect(() => tx.write("a", "1")).toThrow(Error);
    const other = fs.begin();
    other.abort();
    expect(() => other.commit()).toThrow(Error);
  });

  test("bad names and oversized contents are refused with TypeError or RangeError", () => {
    const fs = TxFS.mount(volatileDisk());
    const tx = fs.begin();
    expect(() => tx.write(42 as unknown as string, "x")).toThrow(TypeError);
    expect(() => tx.write("no/slash", "x")).toThrow(RangeError);
    expect(() => tx.write("a".repeat(25), "x")).toThrow(RangeError);
    expect(() => tx.write("ok", "x".repeat(5000))).toThrow(RangeError);
    expect(() => tx.delete("")).toThrow(RangeError);
    tx.abort();
  });

  test("contents over 1000 UTF-8 bytes in fewer than 1000 characters are kept exactly or refused with a RangeError at write()", () => {
    // 1998 and 1996 bytes, but only 999 and 998 UTF-16 code units: size is counted in bytes.
    for (const big of ["ä".repeat(999), "😀".repeat(499)]) {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      const tx = fs.begin();
      tx.write("before", kb("b"));
      let refused = false;
      try {
        tx.write("big", big);
      } catch (error) {
        expect(error, `write() of ${new TextEncoder().encode(big).length} bytes`).toBeInstanceOf(RangeError);
        refused = true;
      }
      tx.write("after", kb("a"));
      tx.commit();
      fs.checkpoint();
      const expected = refused ? { after: kb("a"), before: kb("b") } : { after: kb("a"), before: kb("b"), big };
      expect(files(fs)).toEqual(expected);
      expect(files(powerCut(disk).fs), "after a power cut").toEqual(expected);
    }
  });

  test("a transaction larger than the whole journal is refused at commit(), changing nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 6 });
    commit(fs, ["keep", "1"]);
    const tx = fs.begin();
    for (let i = 0; i < 4; i++) tx.write(`f${i}`, kb(`f${i}`));
    expect(() => tx.commit()).toThrow(RangeError);
    expect(files(fs)).toEqual({ keep: "1" });
    expect(files(powerCut(disk).fs)).toEqual({ keep: "1" });
  });

  test("a transaction that needs exactly the whole journal is accepted, and survives a power cut", () => {
    const changes: Change[] = Array.from({ length: 4 }, (_, i) => [`f${i}`, kb(`f${i}`)] as const);
    // How many journal blocks the transaction takes, measured on a journal with room to spare.
    const probe = TxFS.mount(volatileDisk());
    commit(probe, ...changes);
    const needed = probe.journal.usedBlocks;
    expect(needed, "journal blocks of four files of 1000 bytes").toBeGreaterThanOrEqual(6);
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: needed });
    expect(fs.journal.capacityBlocks).toBe(needed);
    commit(fs, ...changes);
    expect(fs.journal.usedBlocks, "the transaction fills the journal exactly").toBe(needed);
    expect(files(powerCut(disk).fs)).toEqual(Object.fromEntries(changes));
  });

  test("usedBlocks grows with each commit and checkpoint() empties the journal", () => {
    const fs = TxFS.mount(volatileDisk());
    expect(fs.journal.usedBlocks).toBe(0);
    commit(fs, ["a", "1"]);
    const one = fs.journal.usedBlocks;
    expect(one).toBeGreaterThan(0);
    commit(fs, ["b", "2"]);
    expect(fs.journal.usedBlocks).toBeGreaterThan(one);
    fs.checkpoint();
    expect(fs.journal.usedBlocks).toBe(0);
    expect(fs.journal.capacityBlocks).toBe(64);
    expect(files(fs)).toEqual({ a: "1", b: "2" });
  });

  test("checkpoint() on an empty journal keeps every file", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    fs.checkpoint();
    commit(fs, ["a", "1"]);
    fs.checkpoint();
    fs.checkpoint();
    expect(files(powerCut(disk).fs)).toEqual({ a: "1" });
  });

  test("a full journal checkpoints by itself and loses nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 8 });
    for (let i = 0; i < 10; i++) commit(fs, [`f${i % 3}`, `v${i}`]);
    expect(fs.journal.usedBlocks).toBeLessThanOrEqual(8);
    expect(files(powerCut(disk).fs)).toEqual({ f0: "v9", f1: "v7", f2: "v8" });
  });
});

describe("commit() is durable on return", () => {
  test("a power cut right after commit() returns, losing the whole write cache, loses nothing", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const id = commit(fs, ["a.txt", "hello"], ["big", kb("big")]);
    const after = powerCut(disk).fs;
    expect(files(after)).toEqual({ "a.txt": "hello", big: kb("big") });
    expect(after.journal.lastTxid).toBe(id);
  });

  test("commit() flushes the disk once, not once per block (one flush per transaction)", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    for (const changes of [[["a", "1"]], [["b", kb("b")], ["c", "3"]], []] as Change[][]) {
      const flushes = disk.flushes;
      commit(fs, ...changes);
      expect(disk.flushes - flushes, `flushes during a commit of ${changes.length} files`).toBe(1);
    }
  });

  test("ids stay above every id handed out, across power cuts and remounts", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const first = commit(fs, ["a", "1"]);
    commit(fs);
    const second = commit(fs, ["a", "2"]);
    const after = powerCut(disk);
    expect(after.fs.journal.lastTxid).toBe(second);
    const third = commit(after.fs, ["a", "3"]);
    expect(third).toBeGreaterThan(second);
    after.fs.checkpoint();
    const again = powerCut(after.disk).fs;
    expect(again.journal.lastTxid).toBe(third);
    expect(commit(again, ["a", "4"])).toBeGreaterThan(third);
    expect(first).toBeLessThan(second);
  });
});

describe("the recovery report", () => {
  test("counts the committed transactions recovery replayed from the journal", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a", "1"]);
    commit(fs, ["b", "2"]);
    commit(fs, ["a", "3"]);
    const after = powerCut(disk).fs;
    expect(reportOf(after)).toEqual({ replayed: 3, discarded: 0, reasons: [] });
    expect(files(after)).toEqual({ a: "3", b: "2" });
  });

  test("is empty after a checkpoint emptied the journal", () => {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a", "1"]);
    fs.checkpoint();
    expect(reportOf(powerCut(disk).fs)).toEqual({ replayed: 0, discarded: 0, reasons: [] });
  });
});
