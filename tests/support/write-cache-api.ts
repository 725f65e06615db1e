/**
 * Lesson 5's promises about lesson 4's API on a disk with a volatile write cache, as tests
 * that take the TxFS to test: commit() durable on return with a single flush, the journal
 * figures, a full disk and a full journal, and the recovery report (contract:
 * lessons/lesson-5/README.md, "What you implement"). Lesson 5 runs them on its TxFS, and
 * lesson 12, whose TxFS keeps everything lesson 5 promises, on its own. Only the public
 * API is used.
 *
 * @example
 * ```ts
 * import { TxFS } from "@impl/lesson-5/tx-fs.ts";
 * writeCacheApiTests(TxFS);
 * ```
 */
import { describe, expect, test } from "vitest";
import { SimDisk } from "../../lib/sim-disk.ts";
import type { Change, TxFSClass, TxFSLike } from "./transactions.ts";

/** Lesson 5's TxFS as the tests use it: lesson 4's, with the recovery report. */
export interface RecoveringFS extends TxFSLike {
  readonly recovery: { replayed: number; discarded: number; reasons: readonly string[] };
}

/** Lesson 5's disk: a volatile write cache, 64-byte sectors in 512-byte blocks. */
export function volatileDisk(blocks = 128): SimDisk {
  return new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
}

export function writeCacheApiTests(TxFS: TxFSClass<RecoveringFS>): void {
  function commit(fs: RecoveringFS, ...changes: Change[]): number {
    const tx = fs.begin();
    for (const [name, data] of changes) {
      if (data === null) tx.delete(name);
      else tx.write(name, data);
    }
    return tx.commit();
  }

  function files(fs: RecoveringFS): Record<string, string | undefined> {
    return Object.fromEntries(fs.list().map((name) => [name, fs.read(name)]));
  }

  /** A power cut that loses everything still in the write cache, then a mount. */
  function powerCut(disk: SimDisk): { disk: SimDisk; fs: RecoveringFS } {
    const next = disk.reboot({ reached: [] });
    return { disk: next, fs: TxFS.mount(next) };
  }

  /** The recovery report's three fields, read one by one (the contract fixes them, not the object's shape). */
  function reportOf(fs: RecoveringFS): { replayed: number; discarded: number; reasons: string[] } {
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

    test("as in lesson 4: read() of a name not there is undefined, and list() is sorted by code units, also after a power cut", () => {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      expect(fs.read("missing")).toBe(undefined);
      const names = ["b", "B", "a.txt", "A_1", "_x", "-y", "0", "a-b", "a.b", "Z"];
      commit(fs, ...names.map((n): Change => [n, n]));
      commit(fs, ["a.txt", null]);
      const sorted = names.filter((n) => n !== "a.txt").sort();
      expect(fs.list()).toEqual(sorted);
      expect(fs.read("a.txt")).toBe(undefined);
      const after = powerCut(disk).fs;
      expect(after.list()).toEqual(sorted);
      expect(after.read("missing")).toBe(undefined);
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

    test("as in lesson 4: a full disk refuses the next file with a RangeError, changing nothing, and one transaction that deletes a file makes room for another", () => {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      let stored = 0;
      for (; stored < 200; stored++) {
        const tx = fs.begin();
        try {
          tx.write(`file-${stored}`, kb(`f${stored}`));
          tx.commit();
        } catch (error) {
          expect(error, `file-${stored}, refused at write() or commit()`).toBeInstanceOf(RangeError);
          try {
            tx.abort();
          } catch {
            // already ended by the refusal
          }
          break;
        }
      }
      expect(stored, "a 128-block disk cannot hold 200 files of 1000 bytes").toBeLessThan(200);
      expect(stored).toBeGreaterThan(0);
      const expected = Object.fromEntries(Array.from({ length: stored }, (_, i) => [`file-${i}`, kb(`f${i}`)]));
      expect(files(fs)).toEqual(expected);
      // On the full disk: one transaction deletes a file and writes a new one.
      commit(fs, ["file-0", null], ["replacement", kb("r")]);
      const kept: Record<string, string> = { ...expected, replacement: kb("r") };
      delete kept["file-0"];
      expect(files(fs)).toEqual(kept);
      expect(files(powerCut(disk).fs)).toEqual(kept);
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

    test("a commit that exactly fits the rest of the journal does not checkpoint: usedBlocks reaches capacityBlocks", () => {
      const changes: Change[] = Array.from({ length: 2 }, (_, i) => [`f${i}`, kb(`f${i}`)] as const);
      const probe = TxFS.mount(volatileDisk());
      commit(probe, ...changes);
      const needed = probe.journal.usedBlocks;
      const disk = volatileDisk();
      const fs = TxFS.mount(disk, { journalBlocks: 2 * needed });
      commit(fs, ...changes);
      expect(fs.journal.usedBlocks).toBe(needed);
      // The same files again: the same number of journal blocks, exactly what is left.
      const again: Change[] = changes.map(([name]) => [name, kb(`${name} again`)] as const);
      commit(fs, ...again);
      expect(fs.journal.usedBlocks, "the journal was not full, so the commit must not checkpoint first").toBe(2 * needed);
      expect(files(powerCut(disk).fs)).toEqual(Object.fromEntries(again));
    });

    test("on the largest journal mount() accepts, a transaction that fits is accepted up to the journal's whole capacity", () => {
      // The largest journal this design allows on a roomy disk (up to 256 blocks).
      let journalBlocks = 256;
      for (; journalBlocks > 4; journalBlocks--) {
        try {
          TxFS.mount(volatileDisk(1024), { journalBlocks });
          break;
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
        }
      }
      // The largest transaction of small files commit() accepts, found by bisection, each try
      // on a fresh disk: it must come within a few blocks of the capacity (each file adds one
      // or two journal blocks in any design), or commit() refused a transaction that fit.
      let capacity = 0;
      const usedBy = (n: number): number | undefined => {
        const fs = TxFS.mount(volatileDisk(1024), { journalBlocks });
        capacity = fs.journal.capacityBlocks;
        try {
          commit(fs, ...Array.from({ length: n }, (_, i): Change => [`s${i}`, `small ${i}`]));
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          return undefined;
        }
        return fs.journal.usedBlocks;
      };
      let [accepted, refused] = [1, 400];
      expect(usedBy(accepted), "a transaction of one small file").toBeDefined();
      if (usedBy(refused) !== undefined) return; // a design whose journal takes 400 files at once refuses nothing here
      while (refused - accepted > 1) {
        const middle = Math.floor((accepted + refused) / 2);
        if (usedBy(middle) === undefined) refused = middle;
        else accepted = middle;
      }
      const largest = usedBy(accepted)!;
    // That largest transaction, committed again, is durable: recovery replays it whole.
    const disk = volatileDisk(1024);
    const fs = TxFS.mount(disk, { journalBlocks });
    const biggest = Array.from({ length: accepted }, (_, i): Change => [`s${i}`, `small ${i}`]);
    commit(fs, ...biggest);
    expect(files(powerCut(disk).fs), `the largest transaction (${accepted} files) after a power cut`).toEqual(Object.fromEntries(biggest));
      expect(largest, `journal blocks of the largest transaction accepted, of ${capacity}`).toBeGreaterThanOrEqual(capacity - 3);
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

    test("files at home stay intact while later transactions run through the whole journal, across a power cut", () => {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      const big = Object.fromEntries(["big0", "big1", "big2"].map((name) => [name, kb(name)]));
      commit(fs, ...Object.entries(big));
      fs.checkpoint();
      // Enough small commits to write every journal block at least once, a forced checkpoint among them.
      for (let i = 0; i < 60; i++) commit(fs, [`small${i % 4}`, `v${i}`]);
      const expected = { ...big, small0: "v56", small1: "v57", small2: "v58", small3: "v59" };
      expect(files(fs)).toEqual(expected);
      expect(files(powerCut(disk).fs)).toEqual(expected);
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
}
