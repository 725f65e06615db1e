/**
 * Lesson 5's crash workloads: transactions, aborts and checkpoints on a TxFS whose disk
 * has a volatile write cache, each with a model of the files after every step, ready for
 * the volatile exploration of lib/crash-explorer.ts.
 *
 * Every check demands: the files are exactly as the completed steps left them, or, when a
 * step was interrupted, exactly as after it too (a commit that had not returned may go
 * either way, never half); `journal.lastTxid` is at least every id a commit returned; and
 * the recovery report is consistent (one reason per discarded transaction).
 *
 * `crashLab` feeds `npm run crash lesson-5`: the same workloads against lesson 4's
 * solution (ordered writes, no flush, no checksum) as the baseline, and the exercise.
 *
 * @example
 * ```ts
 * import { TxFS } from "@impl/lesson-5/tx-fs.ts";
 * expectSurvivesCrashes(buildExploration(TxFS, plans.multiFile));
 * ```
 */
import type { Exploration, Step } from "../../lib/crash-explorer.ts";
import { sideFrom } from "../../lib/crash/commit-point.ts";
import type { CommitPointRule, RecordedWrite } from "../../lib/crash/commit-point.ts";
import { volatileDisk } from "../support/write-cache-api.ts";
import {
  allowedStates, commit, describeOperation, expectFilesOneOf, modelStates, remove, runOperation, whichState, write,
  type Operation, type TxFSClass, type TxFSLike,
} from "../support/transactions.ts";

export { volatileDisk };
export { commit, describeState, filesOf, modelStates, remove, runOperation, stateName, whichState, write } from "../support/transactions.ts";
export type { Files, Operation } from "../support/transactions.ts";

export interface Plan {
  name: string;
  operations: readonly Operation[];
  journalBlocks?: number;
  diskBlocks?: number;
}


/** A volatile-model crash exploration of the plan against `TxFS`. */
export function buildExploration<FS extends TxFSLike>(TxFS: TxFSClass<FS>, plan: Plan): Exploration<FS> {
  const states = modelStates(plan.operations);
  const ids: (number | undefined)[] = [];
  const steps: Step<FS>[] = plan.operations.map((op, i) => ({
    name: describeOperation(op),
    run(fs: FS) {
      ids[i] = runOperation(fs, op);
    },
  }));
  const options = plan.journalBlocks === undefined ? undefined : { journalBlocks: plan.journalBlocks };
  return {
    name: plan.name,
    newDisk: () => volatileDisk(plan.diskBlocks),
    mount: (disk) => TxFS.mount(disk, options),
    steps,
    volatile: true,
    check(fs, outcome) {
      expectFilesOneOf(fs, allowedStates(states, outcome));
      const lastReturned = Math.max(0, ...ids.slice(0, outcome.completed).filter((id) => id !== undefined));
      if (fs.journal.lastTxid < lastReturned) {
        throw new Error(`journal.lastTxid is ${fs.journal.lastTxid}, but a commit had already returned id ${lastReturned}`);
      }
      // Lesson 4's TxFS (the crash lab's baseline) has no recovery report.
      const { discarded, reasons } = fs.recovery ?? { discarded: 0, reasons: [] };
      if (reasons.length !== discarded) {
        throw new Error(`recovery.discarded is ${discarded} but recovery.reasons has ${reasons.length} entries; give one reason per discarded transaction`);
      }
    },
  };
}

const COMMIT_MAGIC = 0x54584335; // "TXC5", as the skeleton's encodeCommit writes it

/**
 * Whether `write` is a commit block in the skeleton's layout: a journal block (1 ..
 * journalBlocks) starting with the magic "TXC5". The lesson names it as the write that
 * decides: until it is issued the transaction has not happened; once it is flushed, it
 * has. A design with its own format never matches and is held to all-or-nothing only.
 */
export function isCommitBlock(write: RecordedWrite, journalBlocks: number): boolean {
  if (write.block < 1 || write.block > journalBlocks) return false;
  return new DataView(write.image.buffer, write.image.byteOffset, write.image.byteLength).getUint32(0) === COMMIT_MAGIC;
}

/** The commit-point rule of a plan (lib/crash/commit-point.ts): old before the commit block is issued, new once it is flushed. */
export function commitPointRuleOf<FS extends TxFSLike>(plan: Plan): CommitPointRule<FS> {
  const states = modelStates(plan.operations);
  const journalBlocks = plan.journalBlocks ?? 64;
  return {
    sideOf(fs, { interrupted }) {
      if (interrupted === undefined) return "either";
      return sideFrom(whichState(fs, [states[interrupted]]) === 0, whichState(fs, [states[interrupted + 1]]) === 0);
    },
    isCommitWrite: (write) => isCommitBlock(write, journalBlocks),
  };
}

const long = (tag: string) => (tag + ":" + "k".repeat(1000)).slice(0, 1000);
export const checkpoint: Operation = { kind: "checkpoint" };

/** The workloads of the crash tests, small enough to explore every state fast. */
export const plans: Record<string, Plan> = {
  multiFile: {
    name: "multi-file transactions",
    diskBlocks: 96,
    journalBlocks: 24,
    operations: [
      commit(write("a.txt", "hello"), write("notes.txt", long("notes v1"))),
      commit(write("b.txt", "hello"), remove("a.txt")),
      { kind: "abort", changes: [write("b.txt", "aborted")] },
      commit(write("notes.txt", long("notes v2")), write("c.txt", "ü-€-😀"), write("empty", "")),
    ],
  },
  overwrites: {
    name: "one file overwritten, replayed in id order",
    diskBlocks: 96,
    journalBlocks: 24,
    operations: [
      commit(write("f", "1"), write("g", long("g1"))),
      commit(write("f", "2")),
      commit(),
      commit(write("f", "3"), remove("g")),
      commit(write("g", "back")),
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
};

/** `npm run crash lesson-5`: lesson 4's journal on a write cache, then the exercise or solution. */
export const crashLab = {
  file: "tx-fs.ts",
  baselines: [{ label: "lesson 4's journal (ordered writes, no flush, no checksum)", path: "solutions/lesson-4/tx-fs.ts" }] as readonly { label: string; path: string }[],
  explorations(module: Record<string, unknown>): Exploration<TxFSLike>[] {
    const TxFS = module.TxFS as Partial<TxFSClass<TxFSLike>> | undefined;
    if (typeof TxFS?.mount !== "function") throw new TypeError("the module does not export a class TxFS with a static mount(disk)");
    return Object.values(plans).map((plan) => buildExploration(TxFS as TxFSClass<TxFSLike>, plan));
  },
};
