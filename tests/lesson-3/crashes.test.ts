/**
 * Hidden crash tests for lesson 3 (contract: DESIGN.md, "lesson-3"). Each workload runs
 * once to count its disk writes, then again with a power cut after every one of them,
 * and again with a second power cut during each recovery (lib/crash-explorer.ts). After
 * every reboot and recovery, every completed operation must be there and the
 * interrupted one must be all or nothing: as before it when the crash came before its
 * commit point (the journal header write), as after it from then on, and decided by one
 * write whatever the design (lib/crash/commit-point.ts). A failure prints the disk writes up to the
 * crash, with the labels the code gave them, and what each file held afterwards.
 */
import { describe, test } from "vitest";
import { JournaledFS } from "@impl/lesson-3/journaled-fs.ts";
import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
import { expectCommitPointsHeld } from "../../lib/crash/commit-point.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { afterRecoveryExplorations, commitPointRuleOf, explorationOf, runOperation, workloads, type Workload } from "./crash-workloads.ts";

const mount = (disk: SimDisk) => JournaledFS.mount(disk);

/** The workload once, crash-free, outside the explorer: an unfinished TODO shows as itself. */
function runWithoutCrash(workload: Workload): void {
  const fs = JournaledFS.mount(new SimDisk());
  for (const op of workload.ops) runOperation(fs, op);
}

describe("crashes at every disk write", () => {
  test.each(workloads.map((w) => [w.name, w] as const))(
    "workload \"%s\": after a crash anywhere, and during recovery, completed operations stay and the interrupted one is old before its journal header is written, new after",
    (_, workload) => {
      runWithoutCrash(workload);
      expectCommitPointsHeld(explorationOf(workload, mount), commitPointRuleOf(workload));
    },
  );
});

describe("crashes after a recovery", () => {
  test("work done after recovering from a crash survives a second crash (recovery leaves a clean journal)", () => {
    runWithoutCrash(workloads[0]);
    for (const exploration of afterRecoveryExplorations(mount)) expectSurvivesCrashes(exploration);
  });
});
