/**
 * lib/sim-disk.ts's volatile model and lib/crash-explorer.ts's volatile exploration: a
 * write cache that only flush() empties, power cuts that keep any subset of it (the last
 * write per block wins) or tear a block at sector boundaries, and an explorer that tries
 * those states at every write and flush, CrashMonkey style, and tells the story in words.
 * The ordered model stays the default (its own tests are in sim-disk.test.ts).
 */
import { describe, expect, test } from "vitest";
import { CrashError, IOError, SimDisk } from "../../lib/sim-disk.ts";
import { exploreCrashes, expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
import type { CrashOutcome } from "../../lib/crash-explorer.ts";

const bytes = (...values: number[]) => new Uint8Array(values);
const volatile = (blocks = 8, blockSize = 8, sectorSize = blockSize) => new SimDisk({ blocks, blockSize, model: "volatile", sectorSize });

describe("the volatile model of SimDisk", () => {
  test("the ordered model stays the default: a write is durable at once", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 4 });
    expect(disk.model).toBe("ordered");
    expect(disk.sectorSize).toBe(4);
    disk.write(1, bytes(7));
    expect(disk.pending).toEqual([]);
    disk.crashAfter(0);
    expect(() => disk.write(2, bytes(8))).toThrow(CrashError);
    expect(disk.reboot().read(1)).toEqual(bytes(7, 0, 0, 0));
  });

  test("reads see cached writes; a crash before flush() loses them all", () => {
    const disk = volatile();
    disk.write(1, bytes(1));
    disk.write(1, bytes(2));
    expect(disk.read(1)[0]).toBe(2);
    expect(disk.pending.map((w) => w.index)).toEqual([1, 2]);
    disk.crashAfter(0);
    expect(() => disk.write(3, bytes(3))).toThrow(CrashError);
    expect(disk.read(1)[0], "a dead disk reads what is durable").toBe(0);
    expect(disk.reboot().read(1)[0]).toBe(0);
  });

  test("flush() makes every earlier write durable; a clean reboot keeps the cache", () => {
    const disk = volatile();
    disk.write(1, bytes(1));
    disk.flush();
    disk.write(2, bytes(2));
    expect(disk.pending.map((w) => w.block)).toEqual([2]);
    expect(disk.flushPoints).toEqual([1]);
    const clean = disk.reboot();
    expect([clean.read(1)[0], clean.read(2)[0]]).toEqual([1, 2]);
    const cut = disk.reboot({ reached: [] });
    expect([cut.read(1)[0], cut.read(2)[0]]).toEqual([1, 0]);
  });

  test("reboot(survivors) applies any subset of the cache, the last reached write per block winning", () => {
    const disk = volatile();
    disk.write(1, bytes(1)); // write 1
    disk.write(2, bytes(2)); // write 2
    disk.write(1, bytes(3)); // write 3
    const read = (d: SimDisk) => [d.read(1)[0], d.read(2)[0]];
    expect(read(disk.reboot({ reached: [2] }))).toEqual([0, 2]);
    expect(read(disk.reboot({ reached: [1] }))).toEqual([1, 0]);
    expect(read(disk.reboot({ reached: [3, 1] }))).toEqual([3, 0]);
    expect(read(disk.reboot({ reached: [1, 2, 3] }))).toEqual([3, 2]);
  });

  test("a torn write changes only the sectors named, the rest keep what was there", () => {
    const disk = volatile(4, 8, 2);
    disk.write(1, bytes(1, 1, 1, 1, 1, 1, 1, 1));
    disk.flush();
    disk.write(1, bytes(2, 2, 2, 2, 2, 2, 2, 2));
    const torn = disk.reboot({ reached: [], torn: { index: 2, sectors: [0, 3] } });
    expect(torn.read(1)).toEqual(bytes(2, 2, 1, 1, 1, 1, 2, 2));
  });

  test("crashBeforeFlush(n) cuts the power at flush n+1, which does not happen", () => {
    const disk = volatile();
    disk.crashBeforeFlush(1);
    disk.write(1, bytes(1));
    disk.flush();
    disk.write(2, bytes(2));
    expect(() => disk.flush()).toThrow(CrashError);
    expect(disk.crashed).toBe(true);
    expect(disk.pending.map((w) => w.index)).toEqual([2]);
    expect(() => disk.write(3, bytes(3))).toThrow(/reboot/);
    const after = disk.reboot({ reached: [2] });
    expect([after.read(1)[0], after.read(2)[0]]).toEqual([1, 2]);
  });

  test("bad options and survivors are clear errors", () => {
    expect(() => new SimDisk({ model: "lazy" as never })).toThrow(RangeError);
    expect(() => new SimDisk({ blockSize: 512, sectorSize: 100 })).toThrow(/divide/);
    expect(() => new SimDisk({ sectorSize: 0 })).toThrow(RangeError);
    const disk = volatile(4, 8, 4);
    disk.write(1, bytes(1));
    expect(() => disk.reboot({ reached: [9] })).toThrow(/not in the write cache/);
    expect(() => disk.reboot({ reached: [1], torn: { index: 1, sectors: [0] } })).toThrow(RangeError);
    expect(() => disk.reboot({ reached: [], torn: { index: 1, sectors: [2] } })).toThrow(/sector 2/);
    expect(() => disk.crashBeforeFlush(-1)).toThrow(RangeError);
  });
});

/** A "file" of `k` blocks written through a toy journal with a commit block at block 7. */
function toyJournal(options: { checksum: boolean; barrier: boolean; k?: number }) {
  const k = options.k ?? 3;
  const COMMIT = 7;
  const sum = (d: SimDisk) => Array.from({ length: k }, (_, i) => d.read(1 + i)[0]).reduce((a, b) => a + b, 0);
  return {
    newDisk: () => volatile(16, 8, 4),
    mount(disk: SimDisk) {
      const commit = disk.read(COMMIT);
      if (commit[0] === 1 && (!options.checksum || commit[1] === sum(disk))) {
        for (let i = 0; i < k; i++) disk.write(8 + i, disk.read(1 + i));
        disk.flush();
      }
      return disk;
    },
    steps: [{
      name: `commit ${k} blocks`,
      run(disk: SimDisk) {
        for (let i = 0; i < k; i++) disk.write(1 + i, bytes(10 + i), `record ${i + 1}`);
        if (options.barrier) disk.flush();
        disk.write(COMMIT, bytes(1, options.checksum ? sum(disk) : 0), "commit block");
        disk.flush();
      },
    }],
    check(disk: SimDisk, outcome: CrashOutcome) {
      const home = Array.from({ length: k }, (_, i) => disk.read(8 + i)[0]);
      const all = home.every((v, i) => v === 10 + i);
      const none = home.every((v) => v === 0);
      if (!(all || (none && outcome.completed === 0))) throw new Error(`home blocks are ${home.join(", ")}: half a transaction`);
    },
    volatile: true as const,
  };
}

describe("volatile crash exploration", () => {
  test("finds the commit block that reached the disk before its records, and tells it in words", () => {
    const report = exploreCrashes(toyJournal({ checksum: false, barrier: false }), { stopAtFirst: true });
    expect(report.failures).toHaveLength(1);
    const story = report.failures[0].message;
    expect(story).toMatch(/crash at flush 1 \(after write 4 of 4\), during step 1 of 1 "commit 3 blocks":/);
    expect(story).toMatch(/commit block\s+\(cached; reached the disk\)/);
    expect(story).toMatch(/record \d\s+\(cached; lost\)/);
    expect(story).toMatch(/write cache at the power cut: 4 unflushed writes; reached the disk: [\d, ]+; lost: /);
    expect(story).toMatch(/half a transaction/);
  });

  test("passes the same journal with a flush before the commit block, or a checksum in it", () => {
    expectSurvivesCrashes(toyJournal({ checksum: false, barrier: true }));
    expectSurvivesCrashes(toyJournal({ checksum: true, barrier: false }));
  });

  test("tries every subset of the cached writes while they are few, each state once", () => {
    const seen: string[] = [];
    const exploration = toyJournal({ checksum: true, barrier: false });
    exploreCrashes({
      ...exploration,
      newDisk: () => volatile(16, 8, 8), // whole-block sectors: no torn states
      crashDuringRecovery: false,
      check(_disk, outcome) {
        if (outcome.flush === 1 && outcome.recoveryCrash === undefined) seen.push(outcome.cache!.reached.join(","));
      },
    });
    expect(seen).toHaveLength(16); // 4 cached writes to 4 blocks: 2^4 states
    expect(new Set(seen).size).toBe(16);
  });

  test("samples at most maxSubsets states (plus none, all, all-but-one, only-one) when there are many", () => {
    const counts: number[] = [];
    const run = (seed: number) => {
      const states: string[] = [];
      exploreCrashes({
        newDisk: () => volatile(32, 8, 8),
        mount: (disk) => disk,
        steps: [{ name: "12 writes", run: (disk) => { for (let b = 0; b < 12; b++) disk.write(b, bytes(b + 1)); disk.flush(); } }],
        volatile: { maxSubsets: 40, seed },
        crashDuringRecovery: false,
        check(_disk, outcome) {
          if (outcome.flush === 1) states.push(outcome.cache!.reached.join(","));
        },
      });
      counts.push(states.length);
      return states;
    };
    const first = run(7);
    expect(first.length).toBeLessThanOrEqual(40);
    expect(first).toContain("");
    expect(first).toContain(Array.from({ length: 12 }, (_, i) => i + 1).join(","));
    expect(run(7), "the same seed samples the same states").toEqual(first);
    expect(run(8)).not.toEqual(first);
  });

  test("tears blocks at sector boundaries when sectors are smaller than blocks", () => {
    const torn: CrashOutcome[] = [];
    exploreCrashes({
      newDisk: () => volatile(8, 8, 2),
      mount: (disk) => disk,
      steps: [{ name: "one write", run: (disk) => { disk.write(1, bytes(9, 9, 9, 9, 9, 9, 9, 9)); disk.flush(); } }],
      volatile: true,
      check(_disk, outcome) {
        if (outcome.cache?.torn) torn.push(outcome);
      },
    });
    // 4 sectors: prefixes and suffixes of 1..3 sectors, at the flush and after the last step.
    expect(torn.map((o) => o.cache!.torn!.sectors.join(""))).toEqual(expect.arrayContaining(["0", "01", "012", "3", "23", "123"]));
  });

  test("checks a power cut after the last step: a commit that never flushed is lost", () => {
    const report = exploreCrashes({
      mount: (disk) => disk,
      steps: [{ name: "write without flush", run: (disk) => disk.write(1, bytes(5)) }],
      volatile: true,
      check(disk, outcome) {
        if (outcome.completed === 1 && disk.read(1)[0] !== 5) throw new Error("the write that returned is gone");
      },
    }, { stopAtFirst: true });
    expect(report.failures[0]?.message).toMatch(/power cut after the only step returned .*no clean shutdown[\s\S]*the write that returned is gone/);
  });

  test("crashes recovery too, and says so", () => {
    const report = exploreCrashes({
      newDisk: () => volatile(8, 8),
      mount(disk) {
        // A recovery that writes its "done" marker with the data it vouches for, without a
        // flush between them, and skips its work when it finds the marker.
        if (disk.read(0)[0] === 1 && disk.read(4)[0] === 0) {
          disk.write(4, bytes(1), "recovery marker");
          disk.write(3, bytes(1), "recovery data");
          disk.flush();
        }
        return disk;
      },
      steps: [{ name: "set flag", run: (disk) => { disk.write(0, bytes(1)); disk.flush(); } }],
      volatile: true,
      check(disk) {
        if (disk.read(4)[0] === 1 && disk.read(3)[0] === 0) throw new Error("marker without data");
      },
    }, { stopAtFirst: true });
    expect(report.failures[0]?.message).toMatch(/then recovery lost power too, after 1 of its writes:[\s\S]*recovery marker\s+\(cached; reached the disk\)[\s\S]*marker without data/);
  });

  test("needs disks in the volatile model", () => {
    expect(() => exploreCrashes({ newDisk: () => new SimDisk(), mount: (d) => d, steps: [], volatile: true, check() {} })).toThrow(TypeError);
  });
});

describe("volatile crash exploration of code that catches CrashError", () => {
  const swallow = (f: () => void) => {
    try {
      f();
    } catch {
      // wrong on purpose: a power cut cannot be caught
    }
  };

  test("in a step, is reported as such", () => {
    const report = exploreCrashes({
      newDisk: () => volatile(),
      mount: (disk) => disk,
      steps: [{ name: "write, swallowing errors", run: (disk) => swallow(() => { disk.write(1, bytes(1)); disk.flush(); }) }],
      volatile: true,
      check() {},
    }, { stopAtFirst: true });
    expect(report.failures[0]?.message).toMatch(/caught the CrashError/);
  });

  test("in recovery, is reported as such", () => {
    const report = exploreCrashes({
      newDisk: () => volatile(),
      mount(disk) {
        if (disk.read(0)[0] === 1) swallow(() => { disk.write(2, bytes(2)); disk.flush(); });
        return disk;
      },
      steps: [{ name: "set flag", run: (disk) => { disk.write(0, bytes(1)); disk.flush(); } }],
      volatile: true,
      check() {},
    }, { stopAtFirst: true });
    expect(report.failures[0]?.message).toMatch(/recovery caught the CrashError/);
  });
});

describe("I/O errors of SimDisk (lesson 12): the disk says no and stays up", () => {
  test("failWriteAfter(n): n writes pass, the next throws IOError and is not applied, later writes work", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 4 });
    disk.failWriteAfter(1);
    disk.write(0, bytes(1));
    const error = catchError(() => disk.write(1, bytes(2)));
    expect(error).toBeInstanceOf(IOError);
    expect(error).not.toBeInstanceOf(CrashError);
    expect(error).toMatchObject({ operation: "write", block: 1 });
    expect(disk.writes).toBe(1);
    expect(disk.read(1)).toEqual(bytes(0, 0, 0, 0));
    disk.write(1, bytes(3));
    expect(disk.reboot().read(1)).toEqual(bytes(3, 0, 0, 0));
    expect(disk.crashed).toBe(false);
    expect(disk.ioErrors).toBe(1);
  });

  test("a failed flush drops the cached writes: reads and the media lose them, and a retried flush that succeeds brings nothing back", () => {
    const disk = volatile();
    disk.write(1, bytes(1));
    disk.flush();
    disk.write(1, bytes(2));
    disk.write(2, bytes(3));
    disk.failFlushAfter(0);
    expect(catchError(() => disk.flush())).toMatchObject({ name: "IOError", operation: "flush" });
    expect(disk.pending).toEqual([]);
    expect(disk.read(1)[0]).toBe(1);
    disk.flush(); // the retry succeeds, and proves nothing
    const after = disk.reboot();
    expect(after.read(1)[0]).toBe(1);
    expect(after.read(2)[0]).toBe(0);
  });

  test("failFlushAfter(n) lets n flushes through; on the ordered model a failed flush loses nothing already written", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 4 });
    disk.failFlushAfter(1);
    disk.write(0, bytes(9));
    disk.flush();
    expect(() => disk.flush()).toThrow(IOError);
    expect(disk.reboot().read(0)[0]).toBe(9);
    disk.flush();
  });

  test("a bad block fails every read with IOError, stays bad after reboot, and other blocks read as before", () => {
    const disk = new SimDisk({ blocks: 4, blockSize: 4, badBlocks: [2] });
    disk.write(2, bytes(5));
    disk.write(1, bytes(6));
    expect(catchError(() => disk.read(2))).toMatchObject({ name: "IOError", operation: "read", block: 2 });
    const after = disk.reboot();
    expect(after.badBlocks).toEqual([2]);
    expect(() => after.read(2)).toThrow(IOError);
    after.markBad(3);
    expect(() => after.read(3)).toThrow(IOError);
    expect(after.read(1)[0]).toBe(6);
  });

  test("arming checks its count, and a power cut stays a CrashError", () => {
    const disk = volatile();
    expect(() => disk.failWriteAfter(-1)).toThrow(RangeError);
    expect(() => disk.failFlushAfter(1.5)).toThrow(RangeError);
    expect(() => disk.markBad(99)).toThrow(RangeError);
    disk.crashAfter(0);
    disk.failWriteAfter(0);
    expect(() => disk.write(0, bytes(1))).toThrow(CrashError);
  });
});

function catchError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, none was thrown");
}
