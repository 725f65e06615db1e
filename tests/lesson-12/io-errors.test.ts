/**
 * Hidden tests for lesson 12, I/O-error part: every workload is explored by
 * lib/crash/io-errors.ts. The disk refuses one write, or one flush (dropping its write
 * cache), at every point of the run, mount included; the operation running then must
 * throw the IOError, every later one must throw naming the abort, the file system must say
 * readOnly and show only what commits that returned left; after a reboot (the write cache
 * lost, or written out) the next mount must show every commit that returned, the failed
 * one wholly or not at all, and be writable again. The story of the first failure is the
 * message.
 */
import { describe, expect, test } from "vitest";
import { TxFS } from "@impl/lesson-12/tx-fs.ts";
import { expectIOErrorsHandled } from "../../lib/crash/io-errors.ts";
import { buildIOErrorExploration, plans, type Plan } from "./crash-workloads.ts";

function explore(plan: Plan, faults: readonly ("write" | "flush")[]): void {
  const report = expectIOErrorsHandled({ ...buildIOErrorExploration(TxFS, plan), faults });
  expect(report.points).toBeGreaterThan(0);
}

describe("an I/O error at any write or flush", () => {
  test("a refused journal or superblock write is reported, aborts the journal, and the next mount recovers", () => {
    explore(plans.multiFile, ["write"]);
  });

  test("a failed flush is reported, never retried into a success, aborts the journal, and the next mount recovers", () => {
    explore(plans.multiFile, ["flush"]);
  });

  test("during checkpoints, explicit or forced by a full journal, loses no commit that returned", () => {
    explore(plans.checkpoints, ["write", "flush"]);
  });
});
