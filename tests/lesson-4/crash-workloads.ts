/**
 * Lesson 4's crash workloads: transactions, checkpoints and aborts on a TxFS, each with
 * a model of the files after every step, ready for lib/crash-explorer.ts.
 *
 * The hidden tests run them against `@impl/lesson-4/tx-fs.ts`; `npm run crash` can run
 * the same workloads against any class with TxFS's contract, which is why the class is
 * a parameter and nothing here imports an implementation.
 *
 * Every check demands the same thing: after a crash at any write (of a commit, of a
 * checkpoint, or of recovery itself) and a recovery, the files are exactly as after the
 * completed steps, or, when a step was interrupted, exactly as after that step too; and
 * `journal.lastTxid` is at least the id of every commit that returned.
 *
 * @example
 * ```ts
 * import { TxFS } from "@impl/lesson-4/tx-fs.ts";
 * import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
 * import { crashWorkloads } from "./crash-workloads.ts";
 *
 * for (const workload of crashWorkloads(TxFS)) expectSurvivesCrashes(workload.exploration);
 * ```
 */
import type { Exploration, Step } from "../../lib/crash-explorer.ts";
import { sideFrom } from "../../lib/crash/commit-point.ts";
import type { CommitPointRule, RecordedWrite } from "../../lib/crash/commit-point.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { seededRandom } from "../../lib/random.ts";
import {
  allowedStates, commit, describeOperation, expectFilesOneOf, modelStates, remove, runOperation, whichState, write,
  type Change, type Files, type Operation, type TxFSClass, type TxFSLike,
} from "../support/transactions.ts";

export interface WorkloadPlan {
  name: string;
  /** What the workload is built to catch, in words. */
  purpose: string;
  operations: readonly Operation[];
  journalBlocks?: number;
  diskBlocks?: number;
  /**
   * Also commit one more transaction after recovery and demand a fresh id; then delete
   * every file, checkpoint and remount, and demand that no file comes back (nothing that
   * recovery left on disk may resurface later).
   */
  checkNewIds?: boolean;
}

export interface Workload<FS> {
  plan: WorkloadPlan;
  exploration: Exploration<FS>;
  /** Old before the step's commit block, new after it (lib/crash/commit-point.ts). */
  commitPoints: CommitPointRule<FS>;
}

const JOURNAL_MAGIC = 0x4a524e4c; // "JRNL", as the skeleton's encodeHeader writes it
const COMMIT_KIND = 2;

/**
 * Whether `write` is a commit block in the skeleton's layout: a block of the journal
 * (blocks 1 .. journalBlocks) that starts with the magic "JRNL" and the kind COMMIT. The
 * lesson names that write as the one that decides ("The commit block is the moment of
 * truth"); a design with its own format never matches and is held to the monotone rule.
 */
export function isCommitBlock(write: RecordedWrite, journalBlocks: number): boolean {
  if (write.block < 1 || write.block > journalBlocks) return false;
  const view = new DataView(write.image.buffer, write.image.byteOffset, write.image.byteLength);
  return view.getUint32(0) === JOURNAL_MAGIC && view.getUint32(4) === COMMIT_KIND;
}

/** Which side of the interrupted step the files show, for the commit-point rule. */
export function commitPointRule<FS extends TxFSLike>(
  states: readonly Files[],
  isCommitWrite: (write: RecordedWrite) => boolean,
): CommitPointRule<FS> {
  return {
    sideOf(fs, { interrupted }) {
      if (interrupted === undefined) return "either";
      const [before, after] = [states[interrupted], states[interrupted + 1]];
      return sideFrom(whichState(fs, [before]) === 0, whichState(fs, [after]) === 0);
    },
    isCommitWrite: (write) => isCommitWrite(write),
  };
}

/** Turns a plan into an exploration of every crash point against `TxFS`. */
export function buildWorkload<FS extends TxFSLike>(TxFS: TxFSClass<FS>, plan: WorkloadPlan): Workload<FS> {
  const states = modelStates(plan.operations);
  // The id each commit step returned (the same in every run of a deterministic workload).
  const ids: (number | undefined)[] = [];
  const steps: Step<FS>[] = plan.operations.map((op, i) => ({
    name: describeOperation(op),
    run(fs: FS) {
      ids[i] = runOperation(fs, op);
    },
  }));
  const options = plan.journalBlocks === undefined ? undefined : { journalBlocks: plan.journalBlocks };
  let mounted: SimDisk | undefined;
  const exploration: Exploration<FS> = {
    name: plan.name,
    newDisk: () => new SimDisk({ blocks: plan.diskBlocks ?? 256 }),
    mount: (disk) => {
      mounted = disk;
      return TxFS.mount(disk, options);
    },
    steps,
    check(fs, outcome) {
      expectFilesOneOf(fs, allowedStates(states, outcome));
      const lastReturned = Math.max(0, ...ids.slice(0, outcome.completed).filter((id) => id !== undefined));
      const lastTxid = fs.journal.lastTxid;
      if (lastTxid < lastReturned) {
        throw new Error(`journal.lastTxid is ${lastTxid}, but a commit had already returned id ${lastReturned}`);
      }
      if (plan.checkNewIds) {
        const tx = fs.begin();
        tx.write("after-crash.txt", "new");
        const id = tx.commit();
        if (!(id > lastTxid && id > lastReturned)) {
          throw new Error(`a commit after recovery returned id ${id}; ids must rise above ${Math.max(lastTxid, lastReturned)} and never be reused`);
        }
        const cleanup = fs.begin();
        for (const name of fs.list()) cleanup.delete(name);
        cleanup.commit();
        fs.checkpoint();
        const back = TxFS.mount(mounted!.reboot(), options).list();
        if (back.length > 0) {
          throw new Error(`after recovery, a transaction deleting every file, checkpoint() and a remount, files came back: ${back.join(", ")}`);
        }
      }
    },
  };
  const journalBlocks = plan.journalBlocks ?? 64;
  return { plan, exploration, commitPoints: commitPointRule(states, (w) => isCommitBlock(w, journalBlocks)) };
}

const KB = "k".repeat(1000);
const long = (tag: string) => (tag + ":" + KB).slice(0, 1000);

/** The workloads of lesson 4's crash tests, small enough to explore every crash point fast. */
export const workloadPlans: readonly WorkloadPlan[] = [
  {
    name: "multi-file transactions",
    purpose: "a transaction of several files, a rename among them, lands whole or not at all",
    diskBlocks: 96,
    journalBlocks: 32,
    operations: [
      commit(write("a.txt", "hello"), write("notes.txt", long("notes v1"))),
      commit(write("b.txt", "hello"), remove("a.txt")),
      commit(write("notes.txt", long("notes v2")), write("c.txt", "ü-€-😀"), write("empty", "")),
      { kind: "abort", changes: [write("b.txt", "aborted"), remove("notes.txt")] },
      commit(remove("b.txt"), remove("empty"), write("d.txt", "last")),
    ],
  },
  {
    name: "replay in id order",
    purpose: "transactions that overwrite the same file must be replayed oldest first",
    diskBlocks: 96,
    journalBlocks: 48,
    checkNewIds: true,
    operations: [
      commit(write("f", "1"), write("g", long("g1"))),
      commit(write("f", "2")),
      commit(),
      commit(write("f", "3"), write("g", "g3")),
      commit(remove("f")),
      commit(write("f", "5")),
    ],
  },
  {
    name: "checkpoints",
    purpose: "a crash during checkpoint(), explicit or forced by a full journal, loses nothing",
    diskBlocks: 96,
    journalBlocks: 12,
    operations: [
      commit(write("a", "a1"), write("b", long("b1"))),
      { kind: "checkpoint" },
      commit(write("a", "a2")),
      commit(write("c", long("c3"))),
      commit(write("b", "b4"), remove("a")),
      commit(write("a", "a5")),
      { kind: "checkpoint" },
      { kind: "checkpoint" },
      commit(write("c", "c7")),
    ],
  },
  {
    name: "a full journal to recover",
    purpose: "ten committed transactions wait in the journal: recovery has much to replay, and may crash at each write",
    diskBlocks: 128,
    journalBlocks: 64,
    operations: Array.from({ length: 10 }, (_, i) => commit(write(`file-${i % 4}`, `version ${i}`))),
  },
  {
    name: "ids across crashes",
    purpose: "ids are persisted and never reused, empty transactions included",
    diskBlocks: 64,
    journalBlocks: 16,
    checkNewIds: true,
    operations: [
      commit(write("a", "1")),
      { kind: "abort", changes: [write("a", "aborted")] },
      commit(),
      { kind: "checkpoint" },
      commit(),
      commit(write("b", "2")),
      commit(),
    ],
  },
  {
    name: "stale journal blocks",
    purpose: "after a truncation, complete old transactions lie just past the log's end; a scan that ignores ids replays them",
    diskBlocks: 80,
    journalBlocks: 16,
    checkNewIds: true,
    operations: [
      commit(write("f", "v1")),
      commit(write("f", "v2")),
      { kind: "checkpoint" },
      commit(write("f", "v4")),
      commit(),
      commit(write("f", "v6"), write("g", long("g6"))),
      { kind: "checkpoint" },
      commit(write("f", "v8")),
      commit(write("f", "v9"), remove("g")),
      commit(write("f", "v10")),
    ],
  },
];

/**
 * A random workload on a small journal, so that it wraps and truncates often: commits of
 * 0-3 changes (sizes 0-1000 bytes, one in five a delete), some aborts and checkpoints.
 */
export function seededPlan(seed: number, count = 8): WorkloadPlan {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const names = ["a", "notes.txt", "x-1"];
  const operations: Operation[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.15) {
      operations.push({ kind: "checkpoint" });
      continue;
    }
    const changes: Change[] = Array.from({ length: Math.floor(next() * 4) }, (_, j) => {
      const name = pick(names);
      if (next() < 0.2) return remove(name);
      return write(name, `s${seed}.${i}.${j}:`.padEnd(pick([0, 12, 400, 511, 700, 1000]), "abcdefgh"[i % 8]).slice(0, 1000));
    });
    operations.push({ kind: roll < 0.25 ? "abort" : "commit", changes });
  }
  return {
    name: `random workload, seed ${seed}`,
    purpose: "commits, aborts and checkpoints of random sizes on a journal that wraps",
    diskBlocks: 64,
    journalBlocks: 10 + (seed % 5),
    checkNewIds: seed % 2 === 0,
    operations,
  };
}

/** The seeds of the random workloads the hidden tests explore. */
export const randomSeeds: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** Every lesson-4 workload, the random ones included, as an exploration against `TxFS`. */
export function crashWorkloads<FS extends TxFSLike>(TxFS: TxFSClass<FS>): Workload<FS>[] {
  return [...workloadPlans, ...randomSeeds.map((seed) => seededPlan(seed))].map((plan) => buildWorkload(TxFS, plan));
}

/**
 * What `npm run crash lesson-4` needs (the shape of lesson 3's `CrashLab`): the exercise
 * file to load, and the explorations of a loaded module.
 */
export const crashLab = {
  file: "tx-fs.ts",
  baselines: [] as readonly { label: string; path: string }[],
  explorations(module: Record<string, unknown>): Exploration<TxFSLike>[] {
    const TxFS = module.TxFS as Partial<TxFSClass<TxFSLike>> | undefined;
    if (typeof TxFS?.mount !== "function") throw new TypeError("the module does not export a class TxFS with a static mount(disk)");
    return crashWorkloads(TxFS as TxFSClass<TxFSLike>).map((w) => w.exploration);
  },
};
