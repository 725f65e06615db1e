/**
 * Hidden tests for lesson 5, crash part: every workload is explored under the volatile
 * model of lib/crash-explorer.ts. A power cut strikes at every write and every flush, and
 * after the last step; at each, every combination of the cached writes that may have
 * reached the disk is tried (a seeded sample when there are many), plus torn blocks, and
 * recovery itself is crashed the same way. The story of the first failure is the message.
 * The interrupted commit must be undone while its commit block was not yet written, and
 * done once the commit block was flushed (lib/crash/commit-point.ts).
 */
import { describe, test } from "vitest";
import { TxFS } from "@impl/lesson-5/tx-fs.ts";
import { expectCommitPointsHeld } from "../../lib/crash/commit-point.ts";
import { buildExploration, commitPointRuleOf, plans, type Plan } from "./crash-workloads.ts";

/** Every completed step stays; the interrupted one is old until its commit block is issued, new once it is flushed. */
function explore(plan: Plan): void {
  expectCommitPointsHeld(buildExploration(TxFS, plan), commitPointRuleOf(plan));
}

describe("a power cut with a write cache, at any write or flush", () => {
  test("leaves a multi-file transaction (a rename among them) not done before its commit block, all done once it is flushed", () => {
    explore(plans.multiFile);
  });

  test("loses no committed transaction, and replays them oldest first", () => {
    explore(plans.overwrites);
  });

  test("of checkpoint(), explicit or forced by a full journal, loses nothing", () => {
    explore(plans.checkpoints);
  });
});
