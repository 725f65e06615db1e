/**
 * Hidden tests for lesson 9 (contract: lessons/lesson-9/README.md, "What you implement").
 * Concurrency is made deterministic by lib/scheduler.ts: the transaction bodies mark the
 * points where another transaction may run first, the file system's flush waits at a
 * scheduler point too, and each seed is one interleaving. The tests use only the public
 * API, so any correct design (another deadlock scheme, another batcher) passes. Liveness
 * is checked without clocks: a lock left behind or a wait that never ends shows up as
 * the scheduler's DeadlockError, and a flush loop that outlives its queue as an io()
 * wait still open once every transaction has resolved.
 */
import { describe, expect, test } from "vitest";
import { ConcurrentFS } from "@impl/lesson-9/concurrent-fs.ts";
import type { Transaction } from "@impl/lesson-9/concurrent-fs.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { Scheduler } from "../../lib/scheduler.ts";
import { seededRandom } from "../../lib/random.ts";
import { expectSurvivesCrashesAsync } from "../../lib/async-crash-explorer.ts";
import { expectOneOf } from "../../lib/crash-explorer.ts";

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

/** A file system whose flushes wait at a scheduler point, so commits can pile up behind one. */
function scheduled(seed: number, options: { groupCommit?: boolean; disk?: SimDisk } = {}) {
  const scheduler = new Scheduler(seed);
  const disk = options.disk ?? new SimDisk();
  const fs = ConcurrentFS.mount(disk, { groupCommit: options.groupCommit, io: () => scheduler.point() });
  return { scheduler, disk, fs };
}

/** A promise that one task opens and others await: an ordering without a scheduler point. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Lets pending promise work run for `n` turns of the microtask queue. */
async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await null;
}

function values<T>(settled: PromiseSettledResult<T>[]): T[] {
  return settled.map((s) => {
    if (s.status === "rejected") throw s.reason;
    return s.value;
  });
}

describe("one transaction at a time", () => {
  test("a transaction's writes are visible once it resolves", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    await fs.transaction(async (tx) => {
      await tx.write("a.txt", "alpha");
      await tx.write("b.txt", "beta");
    });
    expect(fs.read("a.txt")).toBe("alpha");
    expect(fs.list()).toEqual(["a.txt", "b.txt"]);
  });

  test("transaction() resolves to the body's value and a transaction id; ids rise", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    const first = await fs.transaction(async (tx) => {
      await tx.write("a", "1");
      return "first";
    });
    const second = await fs.transaction(async (tx) => {
      await tx.write("a", "2");
      return 42;
    });
    expect(first.value).toBe("first");
    expect(second.value).toBe(42);
    expect(second.txid).toBeGreaterThan(first.txid);
  });

  test("an empty transaction commits too, and gets its own id", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    const first = await fs.transaction(async () => "nothing to write");
    const second = await fs.transaction(async () => undefined);
    expect(first.value).toBe("nothing to write");
    expect(second.txid).toBeGreaterThan(first.txid);
    expect(fs.list()).toEqual([]);
  });

  test("a transaction reads its own writes and deletes", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    await fs.transaction(async (tx) => tx.write("a", "old"));
    const { value } = await fs.transaction(async (tx) => {
      await tx.write("a", "new");
      const afterWrite = await tx.read("a");
      await tx.delete("a");
      return [afterWrite, await tx.read("a")];
    });
    expect(value).toEqual(["new", undefined]);
    expect(fs.read("a")).toBeUndefined();
    expect(fs.list()).toEqual([]);
  });

  test("a body that throws changes nothing, and its error comes out of transaction()", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    await fs.transaction(async (tx) => tx.write("a", "kept"));
    const boom = new Error("boom");
    await expect(fs.transaction(async (tx) => {
      await tx.write("a", "lost");
      await tx.write("b", "lost");
      throw boom;
    })).rejects.toBe(boom);
    expect(fs.read("a")).toBe("kept");
    expect(fs.read("b")).toBeUndefined();
    // and its locks were released: the next transaction goes through
    await fs.transaction(async (tx) => tx.write("a", "next"));
    expect(fs.read("a")).toBe("next");
  });

  test("bad names and contents are refused: TypeError or RangeError, nothing changed", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    const attempt = (body: (tx: Transaction) => Promise<unknown>) => fs.transaction(body);
    await expect(attempt((tx) => tx.write("", "x"))).rejects.toBeInstanceOf(RangeError);
    await expect(attempt((tx) => tx.write("no/slash", "x"))).rejects.toBeInstanceOf(RangeError);
    await expect(attempt((tx) => tx.write("x".repeat(25), "x"))).rejects.toBeInstanceOf(RangeError);
    await expect(attempt((tx) => tx.write(7 as unknown as string, "x"))).rejects.toBeInstanceOf(TypeError);
    await expect(attempt((tx) => tx.write("a", 7 as unknown as string))).rejects.toBeInstanceOf(TypeError);
    await expect(attempt((tx) => tx.write("a", "x".repeat(2000)))).rejects.toBeInstanceOf(RangeError);
    expect(fs.list()).toEqual([]);
  });

  test("a bad name or contents is refused by the tx call itself, where the body can catch it", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    const calls: [string, (tx: Transaction) => Promise<unknown>][] = [
      ["RangeError", (tx) => tx.write("no/slash", "x")],
      ["RangeError", (tx) => tx.write("a", "x".repeat(1001))],
      ["TypeError", (tx) => tx.write("a", 7 as unknown as string)],
      ["TypeError", (tx) => tx.read(7 as unknown as string)],
      ["RangeError", (tx) => tx.delete("")],
    ];
    for (const [expected, call] of calls) {
      let seen = "the body never ran";
      await fs.transaction(async (tx) => {
        try {
          await call(tx);
          seen = "the call was accepted";
        } catch (error) {
          seen = error instanceof TypeError ? "TypeError" : error instanceof RangeError ? "RangeError" : String(error);
        }
      }).catch(() => undefined); // what transaction() does next is not the point here
      expect(seen, String(call)).toBe(expected);
    }
    expect(fs.list()).toEqual([]);
  });

  test("read() and list() show the committed state only, never a transaction in progress", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    await fs.transaction(async (tx) => tx.write("a", "old"));
    const { value } = await fs.transaction(async (tx) => {
      await tx.write("a", "new");
      await tx.write("b", "new");
      return [fs.read("a"), fs.read("b"), fs.list()];
    });
    expect(value).toEqual(["old", undefined, ["a"]]);
    expect([fs.read("a"), fs.read("b")]).toEqual(["new", "new"]);
    expect(() => fs.read(7 as unknown as string)).toThrow(TypeError);
    expect(() => fs.read("a b")).toThrow(RangeError);
  });

  test("a 1000-byte file round-trips, UTF-8 included", async () => {
    const fs = ConcurrentFS.mount(new SimDisk());
    const text = "é".repeat(500);
    await fs.transaction(async (tx) => tx.write("utf8.txt", text));
    expect(fs.read("utf8.txt")).toBe(text);
  });

  test("what transaction() resolved survives a reboot, and ids keep rising after it", async () => {
    const disk = new SimDisk();
    const fs = ConcurrentFS.mount(disk);
    const { txid } = await fs.transaction(async (tx) => tx.write("a", "durable"));
    const again = ConcurrentFS.mount(disk.reboot());
    expect(again.read("a")).toBe("durable");
    const next = await again.transaction(async (tx) => tx.write("b", "later"));
    expect(next.txid).toBeGreaterThan(txid);
  });
});

describe("isolation: concurrent transactions look as if they ran one after another", () => {
  test("concurrent increments lose no update, in every interleaving tried", async () => {
    for (const seed of SEEDS) {
      const { scheduler, fs } = scheduled(seed);
      const increment = () => fs.transaction(async (tx) => {
        const seen = Number((await tx.read("counter")) ?? "0");
        await scheduler.point();
        await tx.write("counter", String(seen + 1));
        return seen;
      });
      const results = values(await scheduler.run([increment, increment, increment, increment]));
      expect(fs.read("counter"), `seed ${seed}: a lost update`).toBe("4");
      expect(results.map((r) => r.value).sort(), `seed ${seed}: each increment saw a different count`).toEqual([0, 1, 2, 3]);
    }
  });

  test("a half-finished transaction is never visible to another", async () => {
    for (const seed of SEEDS) {
      const { scheduler, fs } = scheduled(seed);
      values(await scheduler.run([() => fs.transaction(async (tx) => {
        await tx.write("left", "old");
        await tx.write("right", "old");
      })]));
      const writer = () => fs.transaction(async (tx) => {
        await tx.write("left", "new");
        await scheduler.point();
        await tx.write("right", "new");
      });
      const reader = () => fs.transaction(async (tx) => {
        const left = await tx.read("left");
        await scheduler.point();
        return [left, await tx.read("right")];
      });
      const [, seen] = values(await scheduler.run<{ txid: number; value: unknown }>([writer, reader]));
      expectOneOf(`seed ${seed}: what the reader saw`, seen.value, [["before the writer", ["old", "old"]], ["after it", ["new", "new"]]]);
    }
  });

  test("two transactions locking two files in opposite orders both finish: no deadlock", async () => {
    for (const seed of SEEDS) {
      const { scheduler, fs } = scheduled(seed);
      const move = (from: string, to: string) => () => fs.transaction(async (tx) => {
        const a = Number((await tx.read(from)) ?? "10");
        await scheduler.point();
        const b = Number((await tx.read(to)) ?? "10");
        await scheduler.point();
        await tx.write(from, String(a - 1));
        await tx.write(to, String(b + 1));
      });
      values(await scheduler.run([move("x", "y"), move("y", "x"), move("x", "y")]));
      expect(Number(fs.read("x")) + Number(fs.read("y")), `seed ${seed}: money was made or lost`).toBe(20);
      expect(fs.read("x"), `seed ${seed}`).toBe("9");
    }
  });

  test("the oldest transaction never gives way: its body runs once, and every transaction finishes", async () => {
    for (const seed of SEEDS) {
      const { scheduler, fs } = scheduled(seed);
      const runs = [0, 0, 0, 0];
      // Opposite lock orders: a conflict in most interleavings, a deadlock risk in some.
      const move = (i: number, from: string, to: string) => () => fs.transaction(async (tx) => {
        runs[i] += 1;
        const a = Number((await tx.read(from)) ?? "10");
        await scheduler.point();
        const b = Number((await tx.read(to)) ?? "10");
        await scheduler.point();
        await tx.write(from, String(a - 1));
        await tx.write(to, String(b + 1));
      });
      // scheduler.run calls transaction() in this order, so transaction 0 is the oldest.
      values(await scheduler.run([move(0, "x", "y"), move(1, "y", "x"), move(2, "x", "y"), move(3, "y", "x")]));
      expect(runs[0], `seed ${seed}: runs of the oldest transaction's body (runs of each: ${runs.join(", ")})`).toBe(1);
      expect(Number(fs.read("x")) + Number(fs.read("y")), `seed ${seed}: money was made or lost`).toBe(20);
    }
  });

  test("a body that catches its own abort still does not commit that run: no lost update", async () => {
    for (const seed of SEEDS) {
      const { scheduler, fs } = scheduled(seed);
      let goneOn = 0;
      const carelessIncrement = () => fs.transaction(async (tx) => {
        let seen = 0;
        let readFailed = false;
        try {
          seen = Number((await tx.read("counter")) ?? "0");
        } catch {
          readFailed = true; // a careless body: it swallows whatever the read threw, the abort included
        }
        await scheduler.point();
        try {
          await tx.write("counter", String(seen + 1));
          if (readFailed) goneOn += 1;
        } catch {
          // swallowed as well
        }
        return seen;
      });
      values(await scheduler.run([carelessIncrement, carelessIncrement, carelessIncrement, carelessIncrement]));
      expect(fs.read("counter"), `seed ${seed}: an aborted run committed (a lost or skipped increment)`).toBe("4");
      expect(goneOn, `seed ${seed}: tx calls that went through after the run was aborted`).toBe(0);
    }
  });

  test("a body that fails while one of its lock requests still waits leaves no lock behind", async () => {
    const { scheduler, fs } = scheduled(1);
    let youngHolds!: () => void;
    const held = new Promise<void>((resolve) => (youngHolds = resolve));
    let releaseYoung!: () => void;
    const youngMayFinish = new Promise<void>((resolve) => (releaseYoung = resolve));
    // The older transaction asks for "a" (held by the younger one, so it waits) and, in
    // the same Promise.all, makes a call that fails: its body ends with the wait queued.
    const older = () => fs.transaction(async (tx) => {
      await held;
      await Promise.all([tx.read("a"), tx.write("bad/name", "x")]);
    });
    const younger = () => fs.transaction(async (tx) => {
      await tx.write("a", "young");
      youngHolds();
      await youngMayFinish;
    });
    const watcher = async () => {
      await older().catch(() => undefined);
      releaseYoung();
    };
    const [, youngResult] = await scheduler.run<unknown>([watcher, younger]);
    expect(youngResult.status, "the younger transaction").toBe("fulfilled");
    // A lock left to the failed transaction would make this one wait, or die and wait, forever.
    values(await scheduler.run([() => fs.transaction(async (tx) => {
      await tx.write("a", "later");
      await tx.write("b", "later");
    })]));
    expect([fs.read("a"), fs.read("b")]).toEqual(["later", "later"]);
  });

  test("the oldest transaction, queued for a lock behind a younger waiter, is not made to give way", async () => {
    const { scheduler, fs } = scheduled(2);
    const runs = [0, 0, 0];
    const { open: youngestHolds, opened: aHeld } = gate();
    const { open: middleAsked, opened: middleQueued } = gate();
    const { open: youngestMayFinish, opened: finish } = gate();
    const oldest = () => fs.transaction(async (tx) => {
      runs[0] += 1;
      await middleQueued;
      await hops(20);
      youngestMayFinish();
      return tx.read("a");
    });
    const middle = () => fs.transaction(async (tx) => {
      runs[1] += 1;
      await aHeld;
      const read = tx.read("a");
      middleAsked();
      return read;
    });
    const youngest = () => fs.transaction(async (tx) => {
      runs[2] += 1;
      await tx.write("a", "youngest");
      youngestHolds();
      await finish;
      await hops(20);
    });
    const [first] = values(await scheduler.run<{ txid: number; value: unknown }>([oldest, middle, youngest]));
    expect(runs[0], "runs of the oldest transaction's body").toBe(1);
    expect(first.value, "what the oldest read").toBe("youngest");
  });

  test("a failed body's queued request leaves the other waiters for the same lock waiting", async () => {
    const { scheduler, fs } = scheduled(3);
    const runs = [0, 0, 0];
    const { open: youngestHolds, opened: aHeld } = gate();
    const { open: oldestAsked, opened: oldestQueued } = gate();
    const { open: youngestMayFinish, opened: finish } = gate();
    const oldest = () => fs.transaction(async (tx) => {
      runs[0] += 1;
      await aHeld;
      const read = tx.read("a");
      oldestAsked();
      return read;
    });
    const failing = () => fs.transaction(async (tx) => {
      runs[1] += 1;
      await oldestQueued;
      await hops(20);
      await Promise.all([tx.read("a"), tx.write("bad/name", "x")]);
    });
    const youngest = () => fs.transaction(async (tx) => {
      runs[2] += 1;
      await tx.write("a", "youngest");
      youngestHolds();
      await finish;
    });
    const watcher = async () => {
      await failing().catch(() => undefined);
      youngestMayFinish();
    };
    const [first, , last] = await scheduler.run<unknown>([oldest, watcher, youngest]);
    expect(first, "the oldest transaction").toMatchObject({ status: "fulfilled", value: { value: "youngest" } });
    expect(last.status, "the youngest transaction").toBe("fulfilled");
    expect(runs[0], "runs of the oldest transaction's body").toBe(1);
  });

  test("a transaction that gave way keeps its age: on its next run it waits for a younger one", async () => {
    const { scheduler, fs } = scheduled(5);
    let middleRuns = 0;
    const { open: oldestHolds, opened: xHeld } = gate();
    const { open: oldestMayFinish, opened: oldestFinish } = gate();
    const { open: middleAsksForY, opened: middleAtY } = gate();
    const oldest = () => fs.transaction(async (tx) => {
      await tx.write("x", "oldest");
      oldestHolds();
      await oldestFinish;
    });
    // Gives way on x to the oldest; on its second run it wants y, which the youngest holds.
    const middle = () => fs.transaction(async (tx) => {
      middleRuns += 1;
      await xHeld;
      await tx.write("x", "middle");
      middleAsksForY();
      await tx.write("y", "middle");
    });
    const youngest = () => fs.transaction(async (tx) => {
      await xHeld;
      await tx.write("y", "youngest");
      oldestMayFinish();
      await middleAtY;
      await hops(20);
    });
    values(await scheduler.run([oldest, middle, youngest]));
    expect(middleRuns, "runs of the middle transaction's body (once to give way to the oldest, once to finish)").toBeLessThanOrEqual(2);
    expect([fs.read("x"), fs.read("y")]).toEqual(["middle", "middle"]);
  });

  test("a transaction that gave way runs again only once the lock it wanted is free", async () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const { scheduler, fs } = scheduled(seed);
      let youngerRuns = 0;
      const { open: olderHolds, opened: held } = gate();
      const older = () => fs.transaction(async (tx) => {
        await tx.write("a", "older");
        olderHolds();
        for (let i = 0; i < 6; i++) await scheduler.point();
      });
      const younger = () => fs.transaction(async (tx) => {
        youngerRuns += 1;
        await held;
        await scheduler.point();
        await tx.write("a", "younger");
      });
      values(await scheduler.run([older, younger]));
      expect(youngerRuns, `seed ${seed}: runs of the younger body (it may give way once, then wait for the lock to be free)`).toBeLessThanOrEqual(2);
      expect(fs.read("a"), `seed ${seed}`).toBe("younger");
    }
  });

  test("random read-modify-write workloads equal running the committed transactions one at a time, in id order", async () => {
    for (const seed of SEEDS) {
      await expectSerializable(seed);
    }
  });
});

describe("group commit", () => {
  test("transactions that commit together share flushes", async () => {
    let grouped = 0;
    let single = 0;
    for (const seed of SEEDS.slice(0, 10)) {
      grouped += await flushesFor(seed, true);
      single += await flushesFor(seed, false);
    }
    expect(grouped, `group commit used ${grouped} flushes, one transaction at a time ${single}`).toBeLessThan(single * 0.6);
  });

  test("without group commit, every transaction is its own commit", async () => {
    const counts = [await flushesFor(1, false), await flushesFor(2, false)];
    const one = await flushesForOne();
    expect(counts).toEqual([8 * one, 8 * one]);
  });

  test("every transaction of a group gets its own id, and ids follow commit order", async () => {
    const { scheduler, fs } = scheduled(7);
    const write = (i: number) => () => fs.transaction(async (tx) => tx.write(`f${i}`, String(i)));
    const results = values(await scheduler.run([0, 1, 2, 3, 4, 5].map(write)));
    const ids = results.map((r) => r.txid);
    expect(new Set(ids).size).toBe(ids.length);
    const [next] = values(await scheduler.run([() => fs.transaction(async (tx) => tx.write("g", "later"))]));
    expect(next.txid).toBeGreaterThan(Math.max(...ids));
  });

  test("inside a group too, ids follow the order in which the bodies returned", async () => {
    let grouped = 0;
    for (const seed of SEEDS) {
      const { scheduler, disk, fs } = scheduled(seed);
      const returned: number[] = [];
      const write = (i: number) => () => fs.transaction(async (tx) => {
        await tx.write(`f${i}`, String(i));
        await scheduler.point();
        returned.push(i);
      });
      const before = disk.flushes;
      const results = values(await scheduler.run([0, 1, 2, 3, 4, 5].map(write)));
      if (disk.flushes - before < 6 * (await flushesForOne())) grouped += 1;
      const byId = results.map((r, i) => [r.txid, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
      expect(byId, `seed ${seed}: transactions in id order (they returned in the order ${returned.join(", ")})`).toEqual(returned);
    }
    expect(grouped, "seeds where transactions shared a flush").toBeGreaterThan(0);
  });

  test("a transaction that does not fit the disk fails with a RangeError, changing nothing; those committed with it still commit", async () => {
    // How many one-file transactions a fresh disk takes before one is refused.
    const probe = ConcurrentFS.mount(new SimDisk());
    let capacity = 0;
    for (; capacity < 1000; capacity++) {
      const done = await probe.transaction(async (tx) => tx.write(`f${capacity}`, "x")).then(() => true, (error) => {
        expect(error, `transaction ${capacity + 1}, one file too many`).toBeInstanceOf(RangeError);
        return false;
      });
      if (!done) break;
    }
    expect(capacity, "files the default disk holds").toBeGreaterThan(1);
    expect(capacity).toBeLessThan(1000);
    for (const [seed, groupCommit] of SEEDS.slice(0, 10).flatMap((seed) => [[seed, true], [seed, false]] as const)) {
      const { scheduler, disk, fs } = scheduled(seed, { groupCommit });
      values(await scheduler.run([async () => {
        for (let i = 0; i < capacity - 1; i++) await fs.transaction(async (tx) => tx.write(`f${i}`, "x"));
      }]));
      // Room for one more file: two transactions each want it, a third overwrites a file.
      const settled = await scheduler.run([
        () => fs.transaction(async (tx) => tx.write("new-a", "a")),
        () => fs.transaction(async (tx) => tx.write("new-b", "b")),
        () => fs.transaction(async (tx) => tx.write("f0", "changed")),
      ]);
      const what = `seed ${seed}, group commit ${groupCommit ? "on" : "off"}: ${JSON.stringify(settled.map((s) => s.status))}`;
      expect(settled[2].status, `${what}: the overwrite needs no room and commits`).toBe("fulfilled");
      const refused = settled.slice(0, 2).filter((s) => s.status === "rejected") as PromiseRejectedResult[];
      expect(refused, `${what}: exactly one of the two new files fits`).toHaveLength(1);
      expect(refused[0].reason).toBeInstanceOf(RangeError);
      const kept = settled[0].status === "fulfilled" ? "new-a" : "new-b";
      const expected = [...Array.from({ length: capacity - 1 }, (_, i) => `f${i}`), kept].sort();
      expect(fs.list(), what).toEqual(expected);
      expect(await fs.read("f0")).toBe("changed");
      expect(ConcurrentFS.mount(disk.reboot()).list(), `${what}, after a reboot`).toEqual(expected);
    }
  });

  test("once every transaction has resolved, the file system waits on no flush", async () => {
    for (const groupCommit of [true, false]) {
      for (const seed of SEEDS.slice(0, 10)) {
        const scheduler = new Scheduler(seed);
        let waiting = 0;
        const io = async () => {
          waiting += 1;
          await scheduler.point();
          waiting -= 1;
        };
        const fs = ConcurrentFS.mount(new SimDisk(), { groupCommit, io });
        const write = (i: number) => () => fs.transaction(async (tx) => {
          await tx.write(`f${i}`, String(i));
          await scheduler.point();
        });
        values(await scheduler.run([0, 1, 2, 3].map(write)));
        for (let hop = 0; hop < 100; hop++) await null;
        expect(waiting, `seed ${seed}, group commit ${groupCommit ? "on" : "off"}: io() waits still open with nothing left to commit`).toBe(0);
      }
    }
  });
});

describe("crashes with several transactions in flight", () => {
  for (const groupCommit of [true, false]) {
    test(`every resolved transaction survives, every other one is all or nothing (group commit ${groupCommit ? "on" : "off"})`, async () => {
      for (const seed of [3, 11]) {
        // The file system is mounted (and recovered) by the explorer; its flushes wait at
        // a point of the scheduler that the run creates.
        const current: { scheduler?: Scheduler } = {};
        await expectSurvivesCrashesAsync({
          name: `seed ${seed}, group commit ${groupCommit ? "on" : "off"}`,
          mount: (disk) => ConcurrentFS.mount(disk, { groupCommit, io: () => current.scheduler!.point() }),
          observe: () => ({ resolved: new Set<number>() }),
          async run(fs, observed) {
            const scheduler = (current.scheduler = new Scheduler(seed));
            const tx = (i: number) => async () => {
              await fs.transaction(async (t) => {
                await t.write(`a${i}`, `from ${i}`);
                await scheduler.point();
                await t.write(`b${i}`, `from ${i}`.repeat(60));
              });
              observed.resolved.add(i);
            };
            for (const result of await scheduler.run([0, 1, 2, 3].map(tx))) {
              if (result.status === "rejected") throw result.reason; // the explorer ignores crashes
            }
          },
          check(fs, observed) {
            for (let i = 0; i < 4; i++) {
              const pair = [fs.read(`a${i}`), fs.read(`b${i}`)];
              const after = [`from ${i}`, `from ${i}`.repeat(60)];
              if (observed.resolved.has(i)) expectOneOf(`transaction ${i} (resolved before the crash)`, pair, [["committed", after]]);
              else expectOneOf(`transaction ${i} (in flight at the crash)`, pair, [["none of it", [undefined, undefined]], ["all of it", after]]);
            }
          },
        });
      }
    });
  }
});

async function flushesFor(seed: number, groupCommit: boolean): Promise<number> {
  const { scheduler, disk, fs } = scheduled(seed, { groupCommit });
  const before = disk.flushes;
  const write = (i: number) => () => fs.transaction(async (tx) => {
    await tx.write(`file-${i}`, `contents ${i}`);
    await scheduler.point();
  });
  values(await scheduler.run([0, 1, 2, 3, 4, 5, 6, 7].map(write)));
  return disk.flushes - before;
}

async function flushesForOne(): Promise<number> {
  const disk = new SimDisk();
  const fs = ConcurrentFS.mount(disk, { groupCommit: false });
  const before = disk.flushes;
  await fs.transaction(async (tx) => tx.write("only", "one"));
  return disk.flushes - before;
}

interface Op {
  kind: "read" | "write";
  file: string;
}

/**
 * Three or four transactions over three files, each a random mix of reads and writes, a
 * write storing what the transaction has read so far. The outcome (what each committed
 * transaction read, and the final files) must be what running the committed transactions
 * one at a time in some order gives.
 */
async function expectSerializable(seed: number): Promise<void> {
  const rand = seededRandom(seed);
  const files = ["p", "q", "r"];
  const programs: Op[][] = Array.from({ length: 3 + Math.floor(rand() * 2) }, () =>
    Array.from({ length: 2 + Math.floor(rand() * 3) }, () => ({
      kind: rand() < 0.5 ? "read" : "write",
      file: files[Math.floor(rand() * files.length)],
    })));
  const { scheduler, fs } = scheduled(seed);
  const run = (program: Op[], i: number) => () => fs.transaction(async (tx) => {
    const reads: (string | undefined)[] = [];
    for (const op of program) {
      if (op.kind === "read") reads.push(await tx.read(op.file));
      else await tx.write(op.file, `t${i}:${reads.length}`);
      await scheduler.point();
    }
    return reads;
  });
  const results = values(await scheduler.run(programs.map(run)));
  const actual = JSON.stringify({ reads: results.map((r) => r.value), files: Object.fromEntries(files.map((f) => [f, fs.read(f)])) });
  const serial = (order: number[]) => {
    const state = new Map<string, string>();
    const reads: (string | undefined)[][] = [];
    for (const i of order) {
      const seen: (string | undefined)[] = [];
      for (const op of programs[i]) {
        if (op.kind === "read") seen.push(state.get(op.file));
        else state.set(op.file, `t${i}:${seen.length}`);
      }
      reads[i] = seen;
    }
    return JSON.stringify({ reads, files: Object.fromEntries(files.map((f) => [f, state.get(f)])) });
  };
  // Ids rise in commit order, so running the transactions in id order must give the outcome.
  const byTxid = programs.map((_, i) => i).sort((a, b) => results[a].txid - results[b].txid);
  if (serial(byTxid) === actual) return;
  const some = permutations(programs.map((_, i) => i)).find((order) => serial(order) === actual);
  if (some) {
    throw new Error(`seed ${seed}: the outcome is that of running transactions ${some.join(", ")} in turn, but their ids put them in commit order ${byTxid.join(", ")}: ${actual}`);
  }
  throw new Error(`seed ${seed}: no serial order of the transactions gives this outcome: ${actual}`);
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
