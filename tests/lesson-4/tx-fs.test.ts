/**
 * Hidden tests for lesson 4 (contract: DESIGN.md, "lesson-4"): transactions, ids, the
 * journal's bookkeeping, checkpoints and clean remounts. Crash tests are in
 * crashes.test.ts. Only TxFS's public API is used, so any correct design passes.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { TxFS } from "@impl/lesson-4/tx-fs.ts";
import type { Transaction } from "@impl/lesson-4/tx-fs.ts";
import { SimDisk } from "../../lib/sim-disk.ts";

type Change = readonly [name: string, data: string | null];

/** Commits one transaction of writes (and deletes, for null) and returns its id. */
function commit(fs: TxFS, ...changes: Change[]): number {
  const tx = fs.begin();
  for (const [name, data] of changes) {
    if (data === null) tx.delete(name);
    else tx.write(name, data);
  }
  return tx.commit();
}

/** The files as a plain object, name → contents. */
function files(fs: TxFS): Record<string, string | undefined> {
  return Object.fromEntries(fs.list().map((name) => [name, fs.read(name)]));
}

/** What a reboot of the disk, with no crash, then a mount shows. */
function remount(disk: SimDisk, options?: { journalBlocks?: number }): { disk: SimDisk; fs: TxFS } {
  const next = disk.reboot();
  return { disk: next, fs: TxFS.mount(next, options) };
}

/** Runs `build` in a transaction and expects a RangeError from it or from commit(); tidies up. */
function expectRefused(fs: TxFS, build: (tx: Transaction) => void): void {
  const tx = fs.begin();
  let error: unknown;
  try {
    build(tx);
    tx.commit();
  } catch (e) {
    error = e;
  }
  expect(error, "expected a RangeError").toBeInstanceOf(RangeError);
  try {
    tx.abort();
  } catch {
    // The refusal may have ended the transaction already; that is allowed.
  }
}

/** The three journal figures, read one by one (the contract fixes them, not the object's shape). */
function journalOf(fs: TxFS): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
  const { usedBlocks, capacityBlocks, lastTxid } = fs.journal;
  return { usedBlocks, capacityBlocks, lastTxid };
}

const kb = (tag: string) => (tag + "-").repeat(1000).slice(0, 1000);

describe("transactions", () => {
  test("a fresh disk has no files and lastTxid 0, also after a remount", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    expect(fs.list()).toEqual([]);
    expect(fs.read("a.txt")).toBe(undefined);
    expect(fs.journal.lastTxid).toBe(0);
    const after = remount(disk).fs;
    expect(after.list()).toEqual([]);
    expect(after.journal.lastTxid).toBe(0);
  });

  test("a committed transaction's writes read back, now and after a remount", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a.txt", "hello"], ["b.txt", "world"]);
    expect(files(fs)).toEqual({ "a.txt": "hello", "b.txt": "world" });
    expect(files(remount(disk).fs)).toEqual({ "a.txt": "hello", "b.txt": "world" });
  });

  test("a rename (a write and a delete in one transaction) moves the file", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["old.txt", "contents"]);
    commit(fs, ["new.txt", "contents"], ["old.txt", null]);
    expect(files(fs)).toEqual({ "new.txt": "contents" });
    expect(files(remount(disk).fs)).toEqual({ "new.txt": "contents" });
  });

  test("a write replaces a file's contents, longer or shorter", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["f", kb("long")]);
    commit(fs, ["f", "short"]);
    expect(fs.read("f")).toBe("short");
    commit(fs, ["f", kb("again")]);
    expect(remount(disk).fs.read("f")).toBe(kb("again"));
  });

  test("abort() applies nothing, now or after a remount", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    const id = commit(fs, ["keep", "1"]);
    const tx = fs.begin();
    tx.write("keep", "2");
    tx.write("new", "3");
    tx.delete("keep");
    tx.abort();
    expect(files(fs)).toEqual({ keep: "1" });
    expect(fs.journal.lastTxid).toBe(id);
    const after = remount(disk).fs;
    expect(files(after)).toEqual({ keep: "1" });
    expect(after.journal.lastTxid).toBe(id);
  });

  test("contents of 1000 UTF-8 bytes, multi-byte characters and the empty string are kept exactly", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    const multiByte = "ä€😀".repeat(111); // 9 bytes each time: 999 bytes
    expect(new TextEncoder().encode(multiByte).length).toBe(999);
    const contents = { max: kb("x"), utf8: multiByte, empty: "", lines: "a\nb\r\n\u0000c" };
    commit(fs, ...Object.entries(contents));
    expect(files(fs)).toEqual(contents);
    expect(files(remount(disk).fs)).toEqual(contents);
  });

  test("list() is sorted by code units", () => {
    const fs = TxFS.mount(new SimDisk());
    const names = ["b", "B", "a.txt", "A_1", "_x", "-y", "0", "a-b", "a.b", "Z"];
    commit(fs, ...names.map((n): Change => [n, n]));
    expect(fs.list()).toEqual([...names].sort());
  });
});

describe("transaction ids", () => {
  test("commit() returns ids that rise strictly, and lastTxid is the last one", () => {
    const fs = TxFS.mount(new SimDisk());
    const ids = [commit(fs, ["a", "1"]), commit(fs, ["b", "2"]), commit(fs, ["a", "3"], ["b", null])];
    expect(ids[0]).toBeGreaterThan(0);
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect(ids[2]).toBeGreaterThan(ids[1]);
    expect(fs.journal.lastTxid).toBe(ids[2]);
  });

  test("an empty transaction gets its own id, and it survives a remount", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    const first = commit(fs, ["a", "1"]);
    const empty = commit(fs);
    expect(empty).toBeGreaterThan(first);
    expect(fs.journal.lastTxid).toBe(empty);
    const after = remount(disk).fs;
    expect(after.journal.lastTxid).toBe(empty);
    expect(commit(after)).toBeGreaterThan(empty);
  });

  test("ids keep rising across remounts, with and without a checkpoint, and are never reused", () => {
    let disk = new SimDisk();
    let fs = TxFS.mount(disk);
    const ids: number[] = [];
    for (let round = 0; round < 4; round++) {
      ids.push(commit(fs, ["f", `round ${round}`]), commit(fs));
      if (round % 2 === 1) fs.checkpoint();
      ({ disk, fs } = remount(disk));
      expect(fs.journal.lastTxid, `lastTxid after remount ${round + 1}`).toBe(ids[ids.length - 1]);
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i], `id ${i + 1} of ${ids.join(", ")}`).toBeGreaterThan(ids[i - 1]);
    expect(fs.read("f")).toBe("round 3");
  });

  test("abort() leaves lastTxid as it was, and the next commit still gets a higher id", () => {
    const fs = TxFS.mount(new SimDisk());
    const first = commit(fs, ["a", "1"]);
    const tx = fs.begin();
    tx.write("a", "2");
    tx.abort();
    expect(fs.journal.lastTxid).toBe(first);
    expect(commit(fs, ["a", "3"])).toBeGreaterThan(first);
  });
});

describe("using a transaction", () => {
  test("after commit() every method throws", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    tx.write("a", "1");
    tx.commit();
    expect(() => tx.write("a", "2"), "write()").toThrow();
    expect(() => tx.delete("a"), "delete()").toThrow();
    expect(() => tx.commit(), "commit()").toThrow();
    expect(() => tx.abort(), "abort()").toThrow();
    expect(files(fs)).toEqual({ a: "1" });
  });

  test("after abort() every method throws", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    tx.write("a", "1");
    tx.abort();
    expect(() => tx.write("a", "2"), "write()").toThrow();
    expect(() => tx.delete("a"), "delete()").toThrow();
    expect(() => tx.commit(), "commit()").toThrow();
    expect(() => tx.abort(), "abort()").toThrow();
    expect(fs.list()).toEqual([]);
  });

  // DESIGN.md leaves several open transactions to lesson 9: begin() during one may throw,
  // as this lesson's skeleton does, or give a transaction; either way the first one must
  // still commit whole, and begin() must work once it is committed or aborted.
  test("begin() while another transaction is open leaves that one whole, and works again once it is committed or aborted", () => {
    const fs = TxFS.mount(new SimDisk());
    const first = fs.begin();
    first.write("a", "1");
    try {
      fs.begin().abort();
    } catch {
      // refused, as the skeleton does
    }
    first.write("b", "2");
    expect(first.commit()).toBe(1);
    const second = fs.begin();
    second.write("a", "changed");
    try {
      fs.begin().abort();
    } catch {
      // refused
    }
    second.abort();
    expect(commit(fs, ["c", "3"])).toBeGreaterThan(1);
    expect(files(fs)).toEqual({ a: "1", b: "2", c: "3" });
  });

  test("a refused write() changes nothing: the transaction still commits its valid writes", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    tx.write("ok", "1");
    expect(() => tx.write("bad/name", "2")).toThrow(RangeError);
    expect(() => tx.delete("")).toThrow(RangeError);
    tx.commit();
    expect(files(fs)).toEqual({ ok: "1" });
  });
});

describe("invalid input", () => {
  const badNames = ["", "a".repeat(25), "a/b", "a b", "ä", "tab\t", "x:y", "*", "semi;colon", "new\nline"];

  test("write() and delete() reject a non-string name with a TypeError", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    for (const name of [42, undefined, null, {}, ["a"]]) {
      expect(() => tx.write(name as unknown as string, "x"), `write(${String(name)})`).toThrow(TypeError);
      expect(() => tx.delete(name as unknown as string), `delete(${String(name)})`).toThrow(TypeError);
    }
    tx.abort();
  });

  test("write() and delete() reject invalid names with a RangeError", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    for (const name of badNames) {
      expect(() => tx.write(name, "x"), `write(${JSON.stringify(name)})`).toThrow(RangeError);
      expect(() => tx.delete(name), `delete(${JSON.stringify(name)})`).toThrow(RangeError);
    }
    tx.abort();
    expect(fs.list()).toEqual([]);
  });

  test("names of 1 to 24 characters of A-Z a-z 0-9 . _ - are accepted", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    const names = ["a", "Z", "0", ".", "_", "-", "ABCDEFGHIJKLMNOPQRSTUVWX", "abcdefghijklmnopqrstuvwx", "0123456789._-aZ"];
    commit(fs, ...names.map((n): Change => [n, n]));
    expect(remount(disk).fs.list()).toEqual([...names].sort());
  });

  test("write() rejects contents that are not a string with a TypeError", () => {
    const fs = TxFS.mount(new SimDisk());
    const tx = fs.begin();
    for (const data of [42, undefined, null, new Uint8Array(3)]) {
      expect(() => tx.write("a", data as unknown as string), `write("a", ${String(data)})`).toThrow(TypeError);
    }
    tx.abort();
  });

  test("contents over 1000 bytes are either kept exactly or refused with a RangeError at write()", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    const big = "y".repeat(1001);
    const tx = fs.begin();
    let refused = false;
    try {
      tx.write("big", big);
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError);
      refused = true;
    }
    if (refused) {
      tx.abort();
      expect(fs.list()).toEqual([]);
    } else {
      tx.commit();
      expect(remount(disk).fs.read("big")).toBe(big);
    }
  });

  test("contents over 1000 UTF-8 bytes in fewer than 1000 characters are kept exactly or refused with a RangeError at write()", () => {
    // 1200, 1200 and 1004 bytes, but only 600, 400 and 502 UTF-16 code units: size is counted in bytes.
    for (const big of ["ä".repeat(600), "€".repeat(400), "😀".repeat(251)]) {
      const disk = new SimDisk();
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
      const expected = refused ? { after: kb("a"), before: kb("b") } : { after: kb("a"), before: kb("b"), big };
      expect(files(fs)).toEqual(expected);
      expect(files(remount(disk).fs), "after a remount").toEqual(expected);
    }
  });

  test("mount() rejects a journalBlocks that is not a positive whole number, or too big for the disk", () => {
    for (const journalBlocks of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "8", 1e9]) {
      let error: unknown;
      try {
        TxFS.mount(new SimDisk(), { journalBlocks: journalBlocks as number });
      } catch (e) {
        error = e;
      }
      expect(error instanceof RangeError || error instanceof TypeError, `journalBlocks ${String(journalBlocks)} must throw a RangeError or TypeError`).toBe(true);
    }
  });
});

describe("space", () => {
  test("the default disk holds 20 files of 1000 bytes", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    for (let i = 0; i < 20; i++) commit(fs, [`file-${i}`, kb(`f${i}`)]);
    const after = remount(disk).fs;
    expect(after.list().length).toBe(20);
    for (let i = 0; i < 20; i++) expect(after.read(`file-${i}`)).toBe(kb(`f${i}`));
  });

  test("a full disk refuses one file too many at write() (the transaction stays open and can make room) or at commit(), changing nothing", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    let stored = 0;
    let expected: Record<string, string | undefined> = {};
    for (; stored < 300; stored++) {
      const before = files(fs);
      const tx = fs.begin();
      try {
        tx.write(`file-${stored}`, kb(`f${stored}`));
      } catch (error) {
        expect(error, "the write() the disk has no room for").toBeInstanceOf(RangeError);
        // Refused at write(): the refusal is the change's, not the transaction's, which goes on.
        tx.delete("file-0");
        tx.write(`file-${stored}`, kb(`f${stored}`));
        tx.commit();
        expected = { ...before, [`file-${stored}`]: kb(`f${stored}`) };
        delete expected["file-0"];
        break;
      }
      let refusedAtCommit: unknown;
      try {
        tx.commit();
      } catch (error) {
        refusedAtCommit = error;
      }
      if (refusedAtCommit === undefined) continue;
      // Refused at commit(): a RangeError, and nothing of the transaction happened.
      expect(refusedAtCommit, `commit() of file-${stored}, which the disk has no room for`).toBeInstanceOf(RangeError);
      expected = before;
      break;
    }
    expect(stored, "a 256-block disk cannot hold 300 files of 1000 bytes").toBeLessThan(300);
    expect(stored).toBeGreaterThanOrEqual(20);
    expect(files(fs)).toEqual(expected);
    expect(files(remount(disk).fs)).toEqual(expected);
  });

  test("a full disk refuses the next file with a RangeError and changes nothing", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    let stored = 0;
    let refused = false;
    while (!refused && stored < 300) {
      const tx = fs.begin();
      try {
        tx.write(`file-${stored}`, kb(`f${stored}`));
        tx.commit();
        stored++;
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        refused = true;
        try {
          tx.abort();
        } catch {
          // already ended by the refusal
        }
      }
    }
    expect(refused, "a 256-block disk cannot hold 300 files of 1000 bytes").toBe(true);
    expect(stored).toBeGreaterThanOrEqual(20);
    const lastTxid = fs.journal.lastTxid;
    const expected = Object.fromEntries(Array.from({ length: stored }, (_, i) => [`file-${i}`, kb(`f${i}`)]));
    expect(files(fs)).toEqual(expected);
    const after = remount(disk);
    expect(files(after.fs)).toEqual(expected);
    expect(after.fs.journal.lastTxid).toBe(lastTxid);
    // Deleting one file makes room for another.
    commit(after.fs, ["file-0", null]);
    commit(after.fs, ["replacement", kb("r")]);
    const kept: Record<string, string> = { ...expected, replacement: kb("r") };
    delete kept["file-0"];
    expect(files(remount(after.disk).fs)).toEqual(kept);
  });
});

describe("the journal", () => {
  test("capacityBlocks is 64 by default and journalBlocks when given", () => {
    expect(TxFS.mount(new SimDisk()).journal.capacityBlocks).toBe(64);
    expect(TxFS.mount(new SimDisk(), { journalBlocks: 24 }).journal.capacityBlocks).toBe(24);
  });

  test("on a used disk the journal size on disk wins over journalBlocks", () => {
    const disk = new SimDisk();
    commit(TxFS.mount(disk, { journalBlocks: 24 }), ["a", "1"]);
    const { fs } = remount(disk, { journalBlocks: 100 });
    expect(fs.journal.capacityBlocks).toBe(24);
    expect(fs.read("a")).toBe("1");
  });

  test("usedBlocks grows with each commit, stays within capacity, and is 0 after checkpoint()", () => {
    const fs = TxFS.mount(new SimDisk());
    expect(fs.journal.usedBlocks).toBe(0);
    let previous = 0;
    for (const changes of [[["a", "1"]], [["b", kb("b")]], [], [["a", null]]] as Change[][]) {
      commit(fs, ...changes);
      expect(fs.journal.usedBlocks).toBeGreaterThan(previous);
      previous = fs.journal.usedBlocks;
    }
    expect(previous).toBeLessThanOrEqual(64);
    fs.checkpoint();
    expect(fs.journal.usedBlocks).toBe(0);
  });

  test("checkpoint() keeps every file and id, now and after a remount", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a", "1"], ["b", kb("b")]);
    const id = commit(fs, ["a", "2"], ["c", "3"]);
    fs.checkpoint();
    expect(files(fs)).toEqual({ a: "2", b: kb("b"), c: "3" });
    expect(fs.journal.lastTxid).toBe(id);
    const after = remount(disk).fs;
    expect(files(after)).toEqual({ a: "2", b: kb("b"), c: "3" });
    expect(after.journal.lastTxid).toBe(id);
  });

  test("checkpoint() with nothing to install is harmless", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    fs.checkpoint();
    commit(fs, ["a", "1"]);
    fs.checkpoint();
    fs.checkpoint();
    expect(files(remount(disk).fs)).toEqual({ a: "1" });
  });

  test("many more transactions than the journal holds all succeed: a full journal checkpoints by itself", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 16 });
    const expected: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      const name = `f${i % 7}`;
      expected[name] = i % 3 === 0 ? kb(`v${i}`) : `v${i}`;
      commit(fs, [name, expected[name]]);
      expect(fs.journal.usedBlocks).toBeLessThanOrEqual(16);
    }
    expect(files(fs)).toEqual(expected);
    expect(files(remount(disk).fs)).toEqual(expected);
  });

  test("a transaction that needs exactly the whole journal is accepted, into an empty journal or a used one", () => {
    // Ten files of 1000 bytes: more journal blocks than any design's smallest journal.
    const changes: Change[] = Array.from({ length: 10 }, (_, i) => [`f${i}`, kb(`f${i}`)] as const);
    // How many journal blocks the transaction takes, measured on a journal with room to spare.
    const probe = TxFS.mount(new SimDisk(), { journalBlocks: 64 });
    commit(probe, ...changes);
    const needed = probe.journal.usedBlocks;
    expect(needed, "journal blocks of ten files of 1000 bytes").toBeGreaterThanOrEqual(10);
    const expected = Object.fromEntries(changes);

    const disk = new SimDisk();
    const fs = TxFS.mount(disk, { journalBlocks: needed });
    expect(fs.journal.capacityBlocks).toBe(needed);
    const id = commit(fs, ...changes);
    expect(id).toBe(1);
    expect(files(fs)).toEqual(expected);
    expect(fs.journal.usedBlocks, "the transaction fills the journal exactly").toBe(needed);
    expect(files(remount(disk).fs)).toEqual(expected);

    const used = TxFS.mount(new SimDisk(), { journalBlocks: needed });
    commit(used, ["first", "1"]);
    expect(commit(used, ...changes), "the same transaction after another one: the commit checkpoints first").toBe(2);
    expect(files(used)).toEqual({ first: "1", ...expected });
    expect(used.journal.usedBlocks).toBeLessThanOrEqual(needed);
  });

  test("a commit that exactly fits the rest of the journal does not checkpoint: usedBlocks reaches capacityBlocks", () => {
    const changes: Change[] = Array.from({ length: 4 }, (_, i) => [`f${i}`, kb(`f${i}`)] as const);
    const probe = TxFS.mount(new SimDisk(), { journalBlocks: 64 });
    commit(probe, ...changes);
    const needed = probe.journal.usedBlocks;
    const disk = new SimDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 2 * needed });
    commit(fs, ...changes);
    expect(fs.journal.usedBlocks).toBe(needed);
    // The same files again: the same number of journal blocks, exactly what is left.
    const again: Change[] = changes.map(([name]) => [name, kb(`${name} again`)] as const);
    commit(fs, ...again);
    expect(fs.journal.usedBlocks, "the journal was not full, so the commit must not checkpoint first").toBe(2 * needed);
    expect(files(remount(disk).fs)).toEqual(Object.fromEntries(again));
  });

  test("a transaction larger than the whole journal is refused with a RangeError at commit(), changing nothing", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk, { journalBlocks: 16 });
    const id = commit(fs, ["keep", "1"]);
    const used = fs.journal.usedBlocks;
    const tx = fs.begin();
    for (let i = 0; i < 10; i++) tx.write(`big-${i}`, kb(`b${i}`)); // 10 000 bytes: 20 blocks at least
    expect(() => tx.commit()).toThrow(RangeError);
    try {
      tx.abort();
    } catch {
      // the refusal may have ended the transaction already
    }
    expect(files(fs)).toEqual({ keep: "1" });
    expect(journalOf(fs)).toEqual({ usedBlocks: used, capacityBlocks: 16, lastTxid: id });
    const after = remount(disk).fs;
    expect(files(after)).toEqual({ keep: "1" });
    expect(after.journal.lastTxid).toBe(id);
    expect(commit(after, ["small", "fits"])).toBeGreaterThan(id);
  });

  test("a refused transaction still leaves the file system usable", () => {
    const fs = TxFS.mount(new SimDisk(), { journalBlocks: 16 });
    expectRefused(fs, (tx) => {
      for (let i = 0; i < 10; i++) tx.write(`big-${i}`, kb(`b${i}`));
    });
    commit(fs, ["a", "1"]);
    expect(files(fs)).toEqual({ a: "1" });
  });
});

describe("recovery after a clean reboot", () => {
  test("committed transactions not yet checkpointed are recovered from the journal", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    commit(fs, ["a", "1"], ["b", kb("b")]);
    commit(fs, ["a", "2"], ["b", null]);
    expect(fs.journal.usedBlocks).toBeGreaterThan(0);
    expect(files(remount(disk).fs)).toEqual({ a: "2" });
  });

  test("what recovery replayed stays: deletes and overwrites hold over later remounts and checkpoints", () => {
    let disk = new SimDisk();
    let fs = TxFS.mount(disk);
    commit(fs, ["gone", kb("g")], ["kept", "old"], ["same", "s"]);
    fs.checkpoint();
    commit(fs, ["gone", null], ["kept", kb("new")]);
    for (let i = 1; i <= 3; i++) {
      ({ disk, fs } = remount(disk));
      expect(files(fs), `after remount ${i}`).toEqual({ kept: kb("new"), same: "s" });
      if (i === 2) fs.checkpoint();
    }
  });

  test("a transaction of well over a hundred blocks (64 files of 1000 bytes) is recovered whole", () => {
    const disk = new SimDisk({ blocks: 1024 });
    const fs = TxFS.mount(disk, { journalBlocks: 400 });
    const names = Array.from({ length: 64 }, (_, i) => `big${i}`);
    commit(fs, ...names.map((name): Change => [name, kb(name)]));
    const after = remount(disk).fs;
    expect(after.list().sort()).toEqual([...names].sort());
    for (const name of names) expect(after.read(name), name).toBe(kb(name));
  });

  test("recovery replays overwrites of one file in id order", () => {
    const disk = new SimDisk();
    const fs = TxFS.mount(disk);
    for (let i = 1; i <= 8; i++) commit(fs, ["f", i % 2 ? kb(`v${i}`) : `v${i}`]);
    const after = remount(disk);
    expect(after.fs.read("f")).toBe("v8");
    expect(remount(after.disk).fs.read("f")).toBe("v8");
  });
});

describe("against a model", () => {
  type Op =
    | { kind: "commit"; changes: Change[] }
    | { kind: "abort"; changes: Change[] }
    | { kind: "checkpoint" }
    | { kind: "remount" };

  const name = fc.constantFrom("a", "b", "c", "d.txt");
  const data = fc.oneof(fc.string({ maxLength: 12 }), fc.nat(99).map((n) => kb(`big${n}`)));
  const change: fc.Arbitrary<Change> = fc.tuple(name, fc.option(data, { freq: 4, nil: null }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.array(change, { maxLength: 4 }).map((changes) => ({ kind: "commit" as const, changes })) },
    { weight: 1, arbitrary: fc.array(change, { maxLength: 3 }).map((changes) => ({ kind: "abort" as const, changes })) },
    { weight: 1, arbitrary: fc.constant({ kind: "checkpoint" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "remount" as const }) },
  );

  test("random transactions, aborts, checkpoints and remounts behave like a map with rising ids", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let disk = new SimDisk({ blocks: 96 });
        let fs = TxFS.mount(disk, { journalBlocks: 16 });
        const model = new Map<string, string>();
        let lastId = 0;
        for (const o of ops) {
          if (o.kind === "remount") ({ disk, fs } = remount(disk));
          else if (o.kind === "checkpoint") fs.checkpoint();
          else {
            const tx = fs.begin();
            for (const [n, d] of o.changes) {
              if (d === null) tx.delete(n);
              else tx.write(n, d);
            }
            if (o.kind === "abort") tx.abort();
            else {
              const id = tx.commit();
              expect(id).toBeGreaterThan(lastId);
              lastId = id;
              for (const [n, d] of o.changes) {
                if (d === null) model.delete(n);
                else model.set(n, d);
              }
            }
          }
          expect(fs.journal.lastTxid).toBe(lastId);
          expect(files(fs)).toEqual(Object.fromEntries(model));
        }
      }),
      { seed: 4004, numRuns: 60 },
    );
  });
});
