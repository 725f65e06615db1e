/**
 * Hidden tests for lesson 5, crash part: every workload is explored under the volatile
 * model of lib/crash-explorer.ts. A power cut strikes at every write and every flush, and
 * after the last step; at each, every combination of the cached writes that may have
 * reached the disk is tried (a seeded sample when there are many), plus torn blocks, and
 * recovery itself is crashed the same way. The story of the first failure is the message.
 */
import { describe, test } from "vitest";
import { TxFS } from "@impl/lesson-5/tx-fs.ts";
import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
import { buildExploration, plans } from "./crash-workloads.ts";

describe("a power cut with a write cache, at any write or flush", () => {
  test("leaves a multi-file transaction (a rename among them) all done or not done at all", () => {
    expectSurvivesCrashes(buildExploration(TxFS, plans.multiFile));
  });

  test("loses no committed transaction, and replays them oldest first", () => {
    expectSurvivesCrashes(buildExploration(TxFS, plans.overwrites));
  });

  test("of checkpoint(), explicit or forced by a full journal, loses nothing", () => {
    expectSurvivesCrashes(buildExploration(TxFS, plans.checkpoints));
  });
});
