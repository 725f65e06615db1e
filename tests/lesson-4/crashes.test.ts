/**
 * Hidden tests for lesson 4, crash part (contract: DESIGN.md, "lesson-4"). Every test
 * crashes the disk at each write of a workload (commits, checkpoints, and recovery
 * itself) through lib/crash-explorer.ts, which tells the story of the first failure. The
 * transaction a crash interrupts must be as before it until its commit block is written
 * and as after it from then on (lib/crash/commit-point.ts).
 */
import { describe, expect, test } from "vitest";
import { TxFS } from "@impl/lesson-4/tx-fs.ts";
import { expectCommitPointsHeld } from "../../lib/crash/commit-point.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { crashWorkloads, randomSeeds } from "./crash-workloads.ts";

const workloads = new Map(crashWorkloads(TxFS).map((w) => [w.plan.name, w]));

/**
 * Explores the workload: every completed step stays, and the interrupted one is as before
 * it until its commit block is written, as after it from then on.
 */
function explore(name: string, options: { crashDuringRecovery?: boolean } = {}): void {
  const found = workloads.get(name);
  if (!found) throw new Error(`no crash workload named ${name}`);
  expectCommitPointsHeld({ ...found.exploration, ...options }, found.commitPoints);
}

describe("a crash at any write", () => {
  test("leaves a multi-file transaction (a rename among them) not done before its commit block is written, all done after", () => {
    explore("multi-file transactions");
  });

  test("loses no committed transaction, and recovery replays them oldest first", () => {
    explore("replay in id order");
  });

  test("of checkpoint(), explicit or forced by a full journal, loses nothing", () => {
    explore("checkpoints");
  });

  test("never brings back stale journal blocks from before a truncation", () => {
    explore("stale journal blocks");
  });

  test("of recovery itself is survived: the next recovery finishes the job", () => {
    explore("a full journal to recover", { crashDuringRecovery: true });
  });

  test("of random workloads (commits, aborts, checkpoints; seeds 1 to 8) keeps all or nothing of each step", () => {
    for (const seed of randomSeeds) explore(`random workload, seed ${seed}`);
  });

  test("is followed by transaction ids above every id handed out before it", () => {
    explore("ids across crashes");
  });
});

describe("recovery", () => {
  test("mounting the same crashed disk twice, or remounting after recovery, gives the same files and ids", () => {
    const disk = new SimDisk({ blocks: 96 });
    const fs = TxFS.mount(disk, { journalBlocks: 32 });
    for (const [name, data] of [["a", "1"], ["b", "2"], ["a", "3"]]) {
      const tx = fs.begin();
      tx.write(name, data);
      tx.commit();
    }
    const lastTxid = fs.journal.lastTxid;
    // Two files of 1000 bytes take at least four block writes: the power fails after two.
    disk.crashAfter(2);
    const tx = fs.begin();
    tx.write("c", "c".repeat(1000));
    tx.write("d", "d".repeat(1000));
    expect(() => tx.commit()).toThrow();
    const crashed = disk;
    const first = TxFS.mount(crashed.reboot());
    const second = TxFS.mount(crashed.reboot());
    const firstDisk = crashed.reboot();
    TxFS.mount(firstDisk);
    const again = TxFS.mount(firstDisk.reboot());
    for (const recovered of [first, second, again]) {
      expect(recovered.list()).toEqual(["a", "b"]);
      expect([recovered.read("a"), recovered.read("b")]).toEqual(["3", "2"]);
      expect(recovered.journal.lastTxid).toBe(lastTxid);
    }
  });
});
