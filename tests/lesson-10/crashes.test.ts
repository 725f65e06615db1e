/**
 * Hidden crash tests for lesson 10 (contract: lessons/lesson-10/README.md, "What you
 * implement"). A power cut at every disk write and every flush, and after the last step,
 * on a disk whose write cache loses, reorders and tears (64-byte sectors) what was not
 * flushed; at each, the states the cache can leave are rebooted, mounted (the log
 * replayed) and checked file by file (tests/lesson-10/crash-workloads.ts); the mount that
 * replays is crashed at each of its own writes and flushes too. Only the public API is
 * used: a design with another log format passes as long as it keeps the promise.
 */
import { describe, expect, test } from "vitest";
import { IntentLogFS } from "@impl/lesson-10/intent-log-fs.ts";
import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
import type { SimDisk } from "../../lib/sim-disk.ts";
import { contents, explorationOf, fsync, remove, sync, volatileDisk, workloads, write, type Workload } from "./crash-workloads.ts";

const mount = (disk: SimDisk) => IntentLogFS.mount(disk);
const explore = (workload: Workload) => expectSurvivesCrashes(explorationOf(workload, mount)).points;

describe("a power cut at any write or flush: fsync and sync keep their promise", () => {
  test("an fsync that returned survives, and so does a sync", () => {
    expect(explore(workloads.fsyncs)).toBeGreaterThan(30);
  });

  test("records that span several log blocks are replayed whole or not at all", () => {
    explore(workloads.multiBlock);
  });

  test("a record of an older generation left on disk is never replayed", () => {
    explore(workloads.staleChains);
  });

  test("changes neither fsynced nor synced may be lost, but never bring back an older state", () => {
    explore(workloads.unsynced);
  });

  test("many fsyncs of one file between two root switches: only the newest returned one counts", () => {
    const ops = [];
    for (let i = 1; i <= 6; i++) ops.push(write("hot.txt", contents(`v${i}`, "h", i % 2 === 0 ? 600 : 20)), fsync("hot.txt"));
    ops.push(sync, write("hot.txt", "after"), fsync("hot.txt"), remove("hot.txt"), sync);
    explore({ name: "one file fsynced again and again", ops });
  });

  test("a crash while the first mount formats the disk", () => {
    explore({ name: "format", ops: [write("a.txt", "x"), fsync("a.txt")] });
  });

  test("a small disk, where the log reuses the blocks that older trees and chains left free", () => {
    const ops = [];
    for (let i = 0; i < 4; i++) {
      ops.push(write("a", contents(`a${i}`, "a", 700)), fsync("a"), write("b", `b${i}`), fsync("b"), sync);
    }
    ops.push(write("a", "last"), fsync("a"));
    explore({ name: "block reuse on a 32-block disk", blocks: 32, ops });
  });

  // What a crashed fsync left behind (some of its blocks, not others) must not be taken for
  // part of the log that the remounted file system writes next.
  test("after a power cut in the middle of an fsync, the remounted file system logs safely again", () => {
    const disk = volatileDisk();
    const fs = IntentLogFS.mount(disk);
    fs.write("keep", "kept");
    fs.sync();
    fs.write("big", contents("big", "b", 1000));
    disk.crashBeforeFlush(0);
    expect(() => fs.fsync("big")).toThrow();
    const pending = disk.pending.map((w) => w.index);
    for (let subset = 0; subset < 2 ** pending.length; subset++) {
      const reached = pending.filter((_, i) => (subset >> i) & 1);
      const first = disk.reboot({ reached });
      const again = IntentLogFS.mount(first);
      const big = again.read("big");
      expect([undefined, contents("big", "b", 1000)], `big after the first power cut (writes ${reached.join(", ") || "none"} reached the disk)`).toContain(big);
      again.write("small", "s");
      again.fsync("small");
      const second = IntentLogFS.mount(first.reboot({ reached: [] }));
      const seen = { keep: second.read("keep"), small: second.read("small"), big: second.read("big") };
      expect(seen, `after the second power cut (writes ${reached.join(", ") || "none"} of the first fsync had reached the disk)`).toEqual({ keep: "kept", small: "s", big });
    }
  });
});
