/**
 * lib/sim-disk.ts: the ordered crash model every disk lesson relies on. A write after a
 * crash is refused; a reboot keeps exactly the completed writes; crashAfter counts
 * writes exactly; bad blocks and oversized data are clear errors.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CrashError, SimDisk } from "../../lib/sim-disk.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("SimDisk basics", () => {
  test("defaults to 256 blocks of 512 bytes, all zeros", () => {
    const disk = new SimDisk();
    expect([disk.blocks, disk.blockSize]).toEqual([256, 512]);
    expect(disk.read(255)).toEqual(new Uint8Array(512));
    expect([disk.writes, disk.flushes, disk.crashed, disk.log.length]).toEqual([0, 0, false, 0]);
  });

  test("a write is read back, zero-filled to the block size", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.write(2, bytes(1, 2, 3));
    expect(disk.read(2)).toEqual(bytes(1, 2, 3, 0, 0, 0, 0, 0));
    disk.write(2, bytes(9));
    expect(disk.read(2)).toEqual(bytes(9, 0, 0, 0, 0, 0, 0, 0));
  });

  test("read() returns a copy and write() keeps a copy", () => {
    const disk = new SimDisk({ blocks: 2, blockSize: 4 });
    const data = bytes(1, 2, 3, 4);
    disk.write(0, data);
    data[0] = 99;
    const read = disk.read(0);
    read[1] = 99;
    expect(disk.read(0)).toEqual(bytes(1, 2, 3, 4));
  });

  test("each applied write is logged with its index, block, label and size", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.write(3, bytes(1, 2), "journal header");
    disk.write(1, bytes());
    expect(disk.log).toEqual([
      { index: 1, block: 3, label: "journal header", bytes: 2 },
      { index: 2, block: 1, label: "", bytes: 0 },
    ]);
    expect(disk.writes).toBe(2);
    disk.flush();
    expect(disk.flushes).toBe(1);
  });
});

describe("bad input", () => {
  test.each([-1, 4, 1.5, Number.NaN, Infinity])("block %s is a RangeError for read and write", (block) => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    expect(() => disk.read(block)).toThrow(RangeError);
    expect(() => disk.write(block, bytes(1))).toThrow(RangeError);
    expect(disk.writes).toBe(0);
  });

  test("data longer than a block is a RangeError and writes nothing", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    expect(() => disk.write(0, new Uint8Array(9))).toThrow(/9 bytes do not fit a 8-byte block/);
    expect(() => disk.write(0, new Uint8Array(9))).toThrow(RangeError);
    expect(disk.read(0)).toEqual(new Uint8Array(8));
    expect(disk.writes).toBe(0);
  });

  test("data that is not a Uint8Array is a TypeError", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    const loose = disk as unknown as { write(b: number, d: unknown): void };
    for (const data of ["abc", [1, 2], null, new ArrayBuffer(2)]) expect(() => loose.write(0, data)).toThrow(TypeError);
  });

  test("invalid geometry and crashAfter counts are RangeErrors", () => {
    expect(() => new SimDisk({ blocks: 0 })).toThrow(RangeError);
    expect(() => new SimDisk({ blockSize: 2.5 })).toThrow(RangeError);
    const disk = new SimDisk();
    expect(() => disk.crashAfter(-1)).toThrow(RangeError);
    expect(() => disk.crashAfter(1.5)).toThrow(RangeError);
  });

  test("a bad write does not use up an armed crash", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.crashAfter(1);
    expect(() => disk.write(9, bytes(1))).toThrow(RangeError);
    disk.write(0, bytes(1));
    expect(() => disk.write(1, bytes(2))).toThrow(CrashError);
  });
});

describe("crashes", () => {
  test("crashAfter(n): n writes succeed, the next throws CrashError and is not applied", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.crashAfter(2);
    disk.write(0, bytes(1));
    disk.write(1, bytes(2));
    expect(() => disk.write(2, bytes(3))).toThrow(CrashError);
    expect(disk.crashed).toBe(true);
    expect(disk.writes).toBe(2);
    expect(disk.read(2)).toEqual(new Uint8Array(8));
    expect(disk.log.map((w) => w.block)).toEqual([0, 1]);
  });

  test("crashAfter(0) stops the very first write", () => {
    const disk = new SimDisk({ blocks: 2, blockSize: 4 });
    disk.crashAfter(0);
    expect(() => disk.write(0, bytes(1))).toThrow(CrashError);
    expect(disk.writes).toBe(0);
  });

  test("a write after a crash is refused, and so is a flush; reads still work", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.write(0, bytes(7));
    disk.crashAfter(0);
    expect(() => disk.write(1, bytes(1))).toThrow(CrashError);
    expect(() => disk.write(1, bytes(1))).toThrow(/reboot/);
    expect(() => disk.write(0, bytes(8))).toThrow(CrashError);
    expect(() => disk.flush()).toThrow(CrashError);
    expect(disk.read(0)).toEqual(bytes(7, 0, 0, 0, 0, 0, 0, 0));
    expect(disk.writes).toBe(1);
  });

  test("CrashError is an Error named CrashError", () => {
    const error = new CrashError();
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CrashError");
  });

  test("reboot() gives a live disk with the durable contents, a fresh count and log", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 8 });
    disk.write(0, bytes(1));
    disk.crashAfter(0);
    expect(() => disk.write(1, bytes(2))).toThrow(CrashError);
    const after = disk.reboot();
    expect([after.crashed, after.writes, after.log.length, after.flushes]).toEqual([false, 0, 0, 0]);
    expect([after.blocks, after.blockSize]).toEqual([4, 8]);
    expect(after.read(0)[0]).toBe(1);
    after.write(1, bytes(5)); // no crash is still armed
    after.write(2, bytes(6));
    expect(disk.read(1)[0]).toBe(0); // the old disk is not the new one
  });

  test("reboot keeps exactly the writes that completed before the crash (any writes, any crash point)", () => {
    const write = fc.record({ block: fc.nat({ max: 7 }), data: fc.uint8Array({ maxLength: 16 }) });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 20 }), fc.nat({ max: 24 }), (writes, crashAt) => {
        const disk = new SimDisk({ blocks: 8, blockSize: 16 });
        const model = Array.from({ length: 8 }, () => new Uint8Array(16));
        disk.crashAfter(crashAt);
        writes.forEach(({ block, data }, i) => {
          if (i < crashAt) {
            disk.write(block, data);
            model[block] = new Uint8Array(16);
            model[block].set(data);
          } else {
            expect(() => disk.write(block, data)).toThrow(CrashError);
          }
        });
        const after = disk.reboot();
        const blocks = (read: (b: number) => Uint8Array) => Array.from({ length: 8 }, (_, b) => read(b).join(","));
        expect(blocks((b) => after.read(b))).toEqual(blocks((b) => model[b]));
      }),
      { seed: 42, numRuns: 150 },
    );
  });
});
