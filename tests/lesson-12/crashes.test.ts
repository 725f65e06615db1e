/**
 * Hidden tests for lesson 12, crash part: handling I/O errors must not cost crash safety.
 * The same workloads are explored under the volatile model of lib/crash-explorer.ts: a
 * power cut at every write and every flush, every combination of cached writes that may
 * have reached the disk (a seeded sample when there are many), torn blocks, and crashes
 * of recovery itself. The story of the first failure is the message.
 */
import { describe, test } from "vitest";
import { TxFS } from "@impl/lesson-12/tx-fs.ts";
import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
import { buildCrashExploration, plans } from "./crash-workloads.ts";

describe("a power cut with a write cache, at any write or flush", () => {
  test("leaves multi-file transactions all done or not done, and loses none that returned", () => {
    expectSurvivesCrashes(buildCrashExploration(TxFS, plans.multiFile));
  });

  test("of checkpoint(), explicit or forced by a full journal, loses nothing", () => {
    expectSurvivesCrashes(buildCrashExploration(TxFS, plans.checkpoints));
  });
});
