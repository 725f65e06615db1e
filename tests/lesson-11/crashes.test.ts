/**
 * Hidden tests for lesson 11, crash part: every workload is explored under the volatile
 * model of lib/crash-explorer.ts. A power cut strikes at every write and every flush, and
 * after the last step; at each, the combinations of cached writes that may have reached
 * the disk are tried (a seeded sample when there are many), plus torn blocks, and the
 * rollback at the next mount is crashed the same way. The story of the first failure is
 * the message. A transaction must be undone until its journal is invalidated, and done
 * once that invalidation was flushed (lib/crash/commit-point.ts).
 */
import { describe, test } from "vitest";
import { PageStore } from "@impl/lesson-11/page-store.ts";
import { expectCommitPointsHeld } from "../../lib/crash/commit-point.ts";
import { buildExploration, commitPointRuleOf, plans, type Plan } from "./crash-workloads.ts";

/** Every completed step stays; the interrupted one is old until its commit point is issued, new once it is flushed. */
function explore(plan: Plan): void {
  expectCommitPointsHeld(buildExploration(PageStore, plan), commitPointRuleOf(plan));
}

describe("a power cut with a write cache, at any write or flush", () => {
  test("leaves a transaction within the page cache all done or not done, and an abort not done", () => {
    explore(plans.withinCache);
  });

  test("rolls back a transaction whose pages were written in place before commit (stolen)", () => {
    explore(plans.steal);
  });

  test("restores a page's original, not an earlier version of the same transaction, when it was rewritten after being stolen", () => {
    explore(plans.rewrites);
  });

  test("finds the journal of a transaction left open hot, and rolls it back, also when the rollback itself is cut short", () => {
    explore(plans.hot);
  });

  test("never rolls back stale originals of an earlier, longer journal", () => {
    explore(plans.stale);
  });
});
