/**
 * Lesson 12's workloads: transactions, aborts and checkpoints on a TxFS whose disk has a
 * volatile write cache, each with a model of the files after every step, explored two
 * ways: with an I/O error at every write and every flush (lib/crash/io-errors.ts), and
 * with a power cut at every write and flush (the volatile crash explorer), since handling
 * errors must not cost crash safety.
 *
 * The I/O-error checks demand (lesson 12's contract): the operation during which the disk
 * refused throws the IOError (or an error caused by it); every later operation throws,
 * naming the abort; the aborted file system says `readOnly`, and its reads show the last
 * committed state; after a reboot (the write cache lost, or written out) the next mount
 * shows every commit that returned, the failed one wholly or not at all, nothing later,
 * and is writable again.
 *
 * `crashLab` feeds `npm run crash lesson-12`: the power-cut exploration of the same
 * workloads (the I/O-error exploration runs in the hidden tests).
 *
 * @example
 * ```ts
 * import { TxFS } from "@impl/lesson-12/tx-fs.ts";
 * expectIOErrorsHandled(buildIOErrorExploration(TxFS, plans.multiFile));
 * ```
 */
import type { Exploration, Step } from "../../lib/crash-explorer.ts";
import type { IOErrorExploration, IOErrorOutcome } from "../../lib/crash/io-errors.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import {
  allowedStates, commit, describeOperation, expectFilesOneOf, modelStates, remove, runOperation, write,
  type Files, type Operation, type TxFSClass, type TxFSLike,
} from "../support/transactions.ts";

export { commit, modelStates, remove, runOperation, write } from "../support/transactions.ts";

/** What the tests use of lesson 12's file system: lesson 5's, plus `readOnly`. */
export interface AbortingFSLike extends TxFSLike {
  readonly readOnly: boolean;
}

export interface Plan {
  name: string;
  operations: readonly Operation[];
  journalBlocks?: number;
  diskBlocks?: number;
}

/** The lesson's disk: a volatile write cache, 64-byte sectors in 512-byte blocks. */
export function volatileDisk(blocks = 96): SimDisk {
  return new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
}

/** The steps of a plan, remembering the id each commit returned (ids[i] for step i). */
function stepsOf<FS extends TxFSLike>(plan: Plan, ids: (number | undefined)[]): Step<FS>[] {
  return plan.operations.map((op, i) => ({
    name: describeOperation(op),
    run(fs: FS) {
      ids[i] = undefined;
      ids[i] = runOperation(fs, op);
    },
  }));
}

function expectIdsKept(fs: TxFSLike, ids: readonly (number | undefined)[], completed: number): void {
  const lastReturned = Math.max(0, ...ids.slice(0, completed).filter((id) => id !== undefined));
  if (fs.journal.lastTxid < lastReturned) {
    throw new Error(`journal.lastTxid is ${fs.journal.lastTxid}, but a commit had already returned id ${lastReturned}`);
  }
}

/** After the abort: read-only, and reads show what the commits that returned left, nothing of the failed one. */
function checkAborted(fs: AbortingFSLike, states: readonly Files[], outcome: IOErrorOutcome): void {
  if (fs.readOnly !== true) throw new Error(`readOnly is ${String(fs.readOnly)} after the I/O error; the aborted journal makes the file system read-only`);
  expectFilesOneOf(fs, [[`as the ${outcome.completed} steps that returned left them (reads must not show what failed)`, states[outcome.completed]]]);
}

/** After the reboot: the completed steps, the failed one all or nothing, and writable again. */
function checkRecovered(fs: AbortingFSLike, states: Files[], outcome: IOErrorOutcome, ids: readonly (number | undefined)[]): void {
  expectFilesOneOf(fs, allowedStates(states, { ...outcome, point: 0, totalWrites: 0 }));
  expectIdsKept(fs, ids, outcome.completed);
  if (fs.readOnly !== false) throw new Error("readOnly is still true after the next mount; mounting again is how the file system recovers");
  const tx = fs.begin();
  tx.write("after.reboot", "writable");
  tx.commit();
  if (fs.read("after.reboot") !== "writable") throw new Error("a commit after the remount did not show in read()");
}

/** The I/O-error exploration of the plan against `TxFS`: a refused write or flush at every point. */
export function buildIOErrorExploration<FS extends AbortingFSLike>(TxFS: TxFSClass<FS>, plan: Plan): IOErrorExploration<FS> {
  const states = modelStates(plan.operations);
  const ids: (number | undefined)[] = [];
  const options = plan.journalBlocks === undefined ? undefined : { journalBlocks: plan.journalBlocks };
  return {
    name: plan.name,
    newDisk: () => volatileDisk(plan.diskBlocks),
    mount: (disk) => TxFS.mount(disk, options),
    steps: stepsOf<FS>(plan, ids),
    checkAborted: (fs, outcome) => checkAborted(fs, states, outcome),
    check: (fs, outcome) => checkRecovered(fs, states, outcome, ids),
  };
}

/** A volatile-model power-cut exploration of the plan against `TxFS`. */
export function buildCrashExploration<FS extends TxFSLike>(TxFS: TxFSClass<FS>, plan: Plan): Exploration<FS> {
  const states = modelStates(plan.operations);
  const ids: (number | undefined)[] = [];
  const options = plan.journalBlocks === undefined ? undefined : { journalBlocks: plan.journalBlocks };
  return {
    name: plan.name,
    newDisk: () => volatileDisk(plan.diskBlocks),
    mount: (disk) => TxFS.mount(disk, options),
    steps: stepsOf<FS>(plan, ids),
    volatile: true,
    check(fs, outcome) {
      expectFilesOneOf(fs, allowedStates(states, outcome));
      expectIdsKept(fs, ids, outcome.completed);
    },
  };
}

const long = (tag: string) => (tag + ":" + "k".repeat(1000)).slice(0, 1000);
export const checkpoint: Operation = { kind: "checkpoint" };

/** The workloads, small enough to explore every point fast. */
export const plans = {
  multiFile: {
    name: "multi-file transactions and an abort",
    diskBlocks: 96,
    journalBlocks: 24,
    operations: [
      commit(write("a.txt", "hello"), write("notes.txt", long("notes v1"))),
      commit(write("b.txt", "hello"), remove("a.txt")),
      { kind: "abort", changes: [write("b.txt", "aborted")] },
      commit(write("notes.txt", long("notes v2")), write("c.txt", "ü-€-😀")),
    ],
  },
  checkpoints: {
    name: "checkpoints, explicit and forced by a full journal",
    diskBlocks: 64,
    journalBlocks: 8,
    operations: [
      commit(write("a", long("a1")), write("b", "b1")),
      commit(write("a", "a2")),
      checkpoint,
      commit(write("c", "c1")),
      commit(write("a", long("a3")), write("c", "c2")),
      commit(remove("b")),
    ],
  },
} satisfies Record<string, Plan>;

/** `npm run crash lesson-12`: the power cuts of the same workloads, against the exercise or the solution. */
export const crashLab = {
  file: "tx-fs.ts",
  baselines: [] as readonly { label: string; path: string }[],
  explorations(module: Record<string, unknown>): Exploration<TxFSLike>[] {
    const TxFS = module.TxFS as Partial<TxFSClass<TxFSLike>> | undefined;
    if (typeof TxFS?.mount !== "function") throw new TypeError("the module does not export a class TxFS with a static mount(disk)");
    return Object.values(plans).map((plan) => buildCrashExploration(TxFS as TxFSClass<TxFSLike>, plan));
  },
};
