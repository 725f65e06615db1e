/**
 * Hidden tests for lesson 3 without crashes (contract: DESIGN.md, "lesson-3"): files
 * are created, overwritten, deleted and listed; they survive a clean reboot; bad names,
 * bad contents and a full disk throw a clear error and change nothing on disk. They use
 * only the public API of JournaledFS, so any correct design passes.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { JournaledFS } from "@impl/lesson-3/journaled-fs.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { contents, shape } from "./crash-workloads.ts";
import { checkAgainstModel } from "../support/model.ts";

/** Every block of the disk, to compare before and after an operation that must change nothing. */
function snapshot(disk: SimDisk): Uint8Array[] {
  return Array.from({ length: disk.blocks }, (_, i) => disk.read(i));
}

/** The first block whose contents differ from the snapshot, or undefined. */
function firstChangedBlock(disk: SimDisk, before: Uint8Array[]): number | undefined {
  for (let i = 0; i < disk.blocks; i++) {
    const now = disk.read(i);
    if (now.some((b, j) => b !== before[i][j])) return i;
  }
  return undefined;
}

function fresh(): { disk: SimDisk; fs: JournaledFS } {
  const disk = new SimDisk();
  return { disk, fs: JournaledFS.mount(disk) };
}

describe("mounting", () => {
  test("a blank disk mounts as an empty file system", () => {
    const { fs } = fresh();
    expect(fs.list()).toEqual([]);
    expect(fs.read("notes.txt")).toBeUndefined();
  });

  test("a freshly formatted disk mounts again after a reboot, still empty", () => {
    const { disk } = fresh();
    const again = JournaledFS.mount(disk.reboot());
    expect(again.list()).toEqual([]);
  });
});

describe("writing and reading", () => {
  test("read() returns what write() stored", () => {
    const { fs } = fresh();
    fs.write("notes.txt", "hello world");
    expect(fs.read("notes.txt")).toBe("hello world");
  });

  test("a file of 1000 bytes spread over several blocks reads back whole", () => {
    const { fs } = fresh();
    const text = contents("big", "q", 1000);
    fs.write("big.bin", text);
    expect(fs.read("big.bin")).toBe(text);
  });

  test("multi-byte text up to 1000 UTF-8 bytes is accepted and reads back exactly", () => {
    const { fs } = fresh();
    const text = "é".repeat(499) + "ü"; // 1000 bytes, 500 characters
    fs.write("umlaut.txt", text);
    fs.write("emoji.txt", "📦".repeat(250)); // 1000 bytes
    expect(fs.read("umlaut.txt")).toBe(text);
    expect(fs.read("emoji.txt")).toBe("📦".repeat(250));
  });

  test("an empty file exists and reads as the empty string", () => {
    const { fs } = fresh();
    fs.write("empty", "");
    expect(fs.read("empty")).toBe("");
    expect(fs.list()).toEqual(["empty"]);
  });

  test("overwriting replaces the contents and keeps one file", () => {
    const { fs } = fresh();
    fs.write("notes.txt", contents("old", "o", 1000));
    fs.write("notes.txt", "short");
    expect(fs.read("notes.txt")).toBe("short");
    expect(fs.list()).toEqual(["notes.txt"]);
  });

  test("a longer overwrite after a shorter one keeps every new byte", () => {
    const { fs } = fresh();
    fs.write("notes.txt", "x");
    const long = contents("new", "n", 1000);
    fs.write("notes.txt", long);
    expect(fs.read("notes.txt")).toBe(long);
  });

  test("files are independent of each other", () => {
    const { fs } = fresh();
    fs.write("a", contents("a", "a", 700));
    fs.write("b", contents("b", "b", 900));
    fs.write("a", "changed");
    expect(fs.read("a")).toBe("changed");
    expect(fs.read("b")).toBe(contents("b", "b", 900));
  });

  test("names made only of dots, dashes or underscores are valid names too", () => {
    const { fs } = fresh();
    for (const name of [".", "..", "-", "_", "...x"]) fs.write(name, name);
    expect(fs.list()).toEqual(["-", ".", "..", "...x", "_"]);
    expect(fs.read("..")).toBe("..");
  });

  test("a name of exactly 24 characters works", () => {
    const { fs } = fresh();
    const name = "abcdefghijklmnopqrstuvwx";
    fs.write(name, "ok");
    expect(fs.read(name)).toBe("ok");
  });
});

describe("deleting and listing", () => {
  test("delete() returns false when there was no such file", () => {
    const { fs } = fresh();
    expect(fs.delete("ghost.txt")).toBe(false);
  });

  test("delete() removes the file and returns true, then false", () => {
    const { fs } = fresh();
    fs.write("notes.txt", "hello");
    expect(fs.delete("notes.txt")).toBe(true);
    expect(fs.read("notes.txt")).toBeUndefined();
    expect(fs.list()).toEqual([]);
    expect(fs.delete("notes.txt")).toBe(false);
  });

  test("a deleted name can be written again", () => {
    const { fs } = fresh();
    fs.write("a", "one");
    fs.delete("a");
    fs.write("a", "two");
    expect(fs.read("a")).toBe("two");
  });

  test("list() is sorted by code units (uppercase before lowercase)", () => {
    const { fs } = fresh();
    for (const name of ["b", "a.txt", "Z9", "_x", "-y", "B", "a"]) fs.write(name, name);
    expect(fs.list()).toEqual(["-y", "B", "Z9", "_x", "a", "a.txt", "b"]);
  });

  test("list() returns a new array the caller may change", () => {
    const { fs } = fresh();
    fs.write("a", "1");
    fs.list().push("intruder");
    expect(fs.list()).toEqual(["a"]);
  });
});

describe("a clean reboot", () => {
  test("files, overwrites and deletes all survive a reboot and remount", () => {
    const { disk, fs } = fresh();
    fs.write("keep.txt", contents("keep", "k", 1000));
    fs.write("change.txt", "before");
    fs.write("change.txt", "after");
    fs.write("gone.txt", "bye");
    fs.delete("gone.txt");
    const again = JournaledFS.mount(disk.reboot());
    expect(again.list()).toEqual(["change.txt", "keep.txt"]);
    expect(again.read("keep.txt")).toBe(contents("keep", "k", 1000));
    expect(again.read("change.txt")).toBe("after");
    expect(again.read("gone.txt")).toBeUndefined();
  });

  test("a remounted file system keeps working: write, delete, reboot again", () => {
    const { disk, fs } = fresh();
    fs.write("a", "1");
    const secondDisk = disk.reboot(); // each reboot is a new disk: keep it to reboot it again
    const second = JournaledFS.mount(secondDisk);
    second.write("b", "2");
    second.delete("a");
    const third = JournaledFS.mount(secondDisk.reboot());
    expect(third.list()).toEqual(["b"]);
    expect(third.read("b")).toBe("2");
  });

  test("the default disk holds at least 20 files of 1000 bytes", () => {
    const { disk, fs } = fresh();
    const names = Array.from({ length: 20 }, (_, i) => `file-${i}.dat`);
    names.forEach((name, i) => fs.write(name, contents(name, "abcdefghijklmnopqrst"[i], 1000)));
    const again = JournaledFS.mount(disk.reboot());
    expect(again.list()).toEqual([...names].sort());
    names.forEach((name, i) => expect(again.read(name), name).toBe(contents(name, "abcdefghijklmnopqrst"[i], 1000)));
  });

  test("random writes and deletes behave like a map, across reboots (model-based)", () => {
    const name = fc.constantFrom("a", "b.txt", "c-1", "D_2");
    // Short text, or a few characters repeated into up to 1000 UTF-8 bytes (several blocks).
    const data = fc
      .oneof(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.tuple(fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 250 })).map(([s, n]) => s.repeat(n)),
      )
      .filter((s) => new TextEncoder().encode(s).length <= 1000);
    const op = fc.oneof(
      fc.record({ kind: fc.constant("write" as const), name, data }),
      fc.record({ kind: fc.constant("delete" as const), name }),
      fc.record({ kind: fc.constant("reboot" as const) }),
    );
    checkAgainstModel(fc.array(op, { maxLength: 25 }), (ops, step) => {
      let disk = new SimDisk();
      let fs = JournaledFS.mount(disk);
      const model = new Map<string, string>();
      for (const [i, o] of ops.entries()) {
        step(i + 1);
        if (o.kind === "write") {
          fs.write(o.name, o.data);
          model.set(o.name, o.data);
        } else if (o.kind === "delete") {
          expect(fs.delete(o.name), `delete("${o.name}")`).toBe(model.delete(o.name));
        } else {
          disk = disk.reboot();
          fs = JournaledFS.mount(disk);
        }
        expect(fs.list(), "list()").toEqual([...model.keys()].sort());
      }
      step(ops.length + 1);
      for (const [n, data] of model) expect(fs.read(n), `read("${n}")`).toBe(data);
    }, {
      seed: 3003,
      numRuns: 60,
      describe: (ops) => [
        ...ops.map((o) => (o.kind === "write" ? `write("${o.name}", ${o.data.length} bytes)` : o.kind === "delete" ? `delete("${o.name}")` : "reboot, then mount")),
        "read every file",
      ],
      setting: "a fresh default disk (256 blocks of 512 bytes)",
    });
  });
});

describe("bad input changes nothing", () => {
  const badNames = ["", "a b", "a/b", "../x", "naïve", "tab\t", "line\n", "x".repeat(25)];

  test.each(badNames.map((n) => [JSON.stringify(n), n]))("write() refuses the name %s with a RangeError", (_, name) => {
    const { disk, fs } = fresh();
    fs.write("keep", "safe");
    const before = snapshot(disk);
    expect(() => fs.write(name, "data")).toThrow(RangeError);
    expect(firstChangedBlock(disk, before)).toBeUndefined();
    expect(fs.list()).toEqual(["keep"]);
  });

  test("delete() and read() refuse a bad name with a RangeError", () => {
    const { disk, fs } = fresh();
    fs.write("keep", "safe");
    const before = snapshot(disk);
    expect(() => fs.delete("a b")).toThrow(RangeError);
    expect(() => fs.read("x".repeat(25))).toThrow(RangeError);
    expect(firstChangedBlock(disk, before)).toBeUndefined();
  });

  test("a name that is not a string is a TypeError, for every operation", () => {
    const { disk, fs } = fresh();
    const before = snapshot(disk);
    const loose = fs as unknown as { write(n: unknown, d: unknown): void; delete(n: unknown): void; read(n: unknown): void };
    for (const name of [42, undefined, null, {}, ["a"]]) {
      expect(() => loose.write(name, "data")).toThrow(TypeError);
      expect(() => loose.delete(name)).toThrow(TypeError);
      expect(() => loose.read(name)).toThrow(TypeError);
    }
    expect(firstChangedBlock(disk, before)).toBeUndefined();
  });

  test("contents that are not a string are a TypeError", () => {
    const { disk, fs } = fresh();
    fs.write("keep", "safe");
    const before = snapshot(disk);
    const loose = fs as unknown as { write(n: string, d: unknown): void };
    for (const data of [42, undefined, null, new Uint8Array(3)]) expect(() => loose.write("keep", data)).toThrow(TypeError);
    expect(firstChangedBlock(disk, before)).toBeUndefined();
    expect(fs.read("keep")).toBe("safe");
  });

  test("contents larger than the whole disk are refused with a RangeError", () => {
    const { disk, fs } = fresh();
    fs.write("keep", "safe");
    const before = snapshot(disk);
    expect(() => fs.write("keep", "z".repeat(disk.blocks * disk.blockSize + 1))).toThrow(RangeError);
    expect(() => fs.write("new", "z".repeat(disk.blocks * disk.blockSize + 1))).toThrow(RangeError);
    expect(firstChangedBlock(disk, before)).toBeUndefined();
    expect(fs.read("keep")).toBe("safe");
    expect(fs.list()).toEqual(["keep"]);
  });

  test("size is counted in UTF-8 bytes: 1500 two-byte characters are refused or stored whole, never spilled", () => {
    const { disk, fs } = fresh();
    for (const name of ["a", "b", "c"]) fs.write(name, contents(name, name, 1000));
    const before = snapshot(disk);
    const text = "é".repeat(1500); // 1500 characters, 3000 bytes
    let refused = false;
    try {
      fs.write("b", text);
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError);
      refused = true;
    }
    if (refused) expect(firstChangedBlock(disk, before)).toBeUndefined();
    const expected: Record<string, string> = { a: contents("a", "a", 1000), b: refused ? contents("b", "b", 1000) : text, c: contents("c", "c", 1000) };
    const again = JournaledFS.mount(disk.reboot());
    for (const [current, when] of [[fs, "before a reboot"], [again, "after a reboot"]] as const) {
      expect(current.list(), when).toEqual(["a", "b", "c"]);
      for (const name of ["a", "b", "c"]) {
        const why = `${name} ${when}, the 3000-byte write to b having been ${refused ? "refused" : "accepted"}`;
        expect(shape(current.read(name)), why).toBe(shape(expected[name]));
      }
    }
  });

  test("contents over 1000 bytes that write() accepts (block multiples included) are kept whole, and so are the files beside them", () => {
    // The contract lets a file system refuse more than 1000 bytes; what it accepts, it keeps.
    for (const bytes of [1023, 1024, 1025, 1535, 1536, 1537, 2048]) {
      const { disk, fs } = fresh();
      for (const name of ["a", "b", "c"]) fs.write(name, contents(name, name, 300));
      const big = contents(`big${bytes}`, "z", bytes);
      let accepted = true;
      try {
        fs.write("b", big);
      } catch (error) {
        expect(error, `write() of ${bytes} bytes`).toBeInstanceOf(RangeError);
        accepted = false;
      }
      const expected: Record<string, string> = { a: contents("a", "a", 300), b: accepted ? big : contents("b", "b", 300), c: contents("c", "c", 300) };
      const again = JournaledFS.mount(disk.reboot());
      for (const [current, when] of [[fs, "before a reboot"], [again, "after a reboot"]] as const) {
        const why = `${when}, the ${bytes}-byte write to b having been ${accepted ? "accepted" : "refused"}`;
        expect(current.list(), why).toEqual(["a", "b", "c"]);
        for (const name of ["a", "b", "c"]) expect(shape(current.read(name)), `${name} ${why}`).toBe(shape(expected[name]));
      }
    }
  });

  test("files of the largest size write() accepts fill the disk without loss: every one is there after a remount", () => {
    const largest = [1536, 1280, 1024, 1000].find((bytes) => {
      try {
        fresh().fs.write("probe", contents("probe", "p", bytes));
        return true;
      } catch {
        return false;
      }
    })!;
    const { disk, fs } = fresh();
    const written: string[] = [];
    for (let i = 0; i < 400; i++) {
      try {
        fs.write(`f${i}`, contents(`f${i}`, "x", largest));
      } catch (error) {
        expect(error, `write() of file ${i + 1} (${largest} bytes)`).toBeInstanceOf(RangeError);
        break;
      }
      written.push(`f${i}`);
    }
    expect(written.length, "a 256-block disk cannot hold 400 files").toBeLessThan(400);
    const again = JournaledFS.mount(disk.reboot());
    expect(again.list(), `the ${written.length} files of ${largest} bytes that write() accepted, after a remount`).toEqual([...written].sort());
    for (const name of written) expect(shape(again.read(name)), name).toBe(shape(contents(name, "x", largest)));
  });

  test("every file written before the disk said full is still there after a remount", () => {
    const { disk, fs } = fresh();
    const written: string[] = [];
    // Small files: the disk runs out of file slots long before it runs out of blocks.
    for (let i = 0; i < 400; i++) {
      try {
        fs.write(`s${i}`, `small ${i}`);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        break;
      }
      written.push(`s${i}`);
    }
    expect(written.length, "a 256-block disk cannot hold 400 files").toBeLessThan(400);
    const again = JournaledFS.mount(disk.reboot());
    expect(again.list(), `all ${written.length} files that write() accepted, after a remount`).toEqual([...written].sort());
    for (const name of written) expect(again.read(name), name).toBe(`small ${name.slice(1)}`);
  });

  test("a full disk refuses a new file with a RangeError and changes nothing", () => {
    const { disk, fs } = fresh();
    let stored = 0;
    let refusal: unknown;
    // The disk is 128 KiB, so it cannot take 300 files of 1000 bytes.
    for (; stored < 300; stored++) {
      try {
        fs.write(`f${stored}`, contents(`f${stored}`, "x", 1000));
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        refusal = error;
        break;
      }
    }
    expect(refusal).toBeInstanceOf(RangeError);
    expect(stored).toBeGreaterThanOrEqual(20);
    const before = snapshot(disk);
    expect(() => fs.write("one-more", contents("one-more", "y", 1000))).toThrow(RangeError);
    expect(firstChangedBlock(disk, before)).toBeUndefined();
    expect(fs.list()).toHaveLength(stored);
    expect(fs.read("f0")).toBe(contents("f0", "x", 1000));
    // Freeing a file makes room again.
    expect(fs.delete("f0")).toBe(true);
    fs.write("one-more", "fits now");
    expect(JournaledFS.mount(disk.reboot()).read("one-more")).toBe("fits now");
  });
});
