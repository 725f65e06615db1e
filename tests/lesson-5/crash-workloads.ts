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
import { formatValue } from "../../lib/crash-explorer.ts";
import type { CrashOutcome, Exploration, Step } from "../../lib/crash-explorer.ts";
import { SimDisk } from "../../lib/sim-disk.ts";

export interface TransactionLike {
  write(name: string, data: string): void;
  delete(name: string): void;
  commit(): number;
  abort(): void;
}

/** What the tests use of lesson 5's TxFS. */
export interface TxFSLike {
  begin(): TransactionLike;
  read(name: string): string | undefined;
  list(): string[];
  checkpoint(): void;
  readonly journal: { usedBlocks: number; capacityBlocks: number; lastTxid: number };
  readonly recovery?: { replayed: number; discarded: number; reasons: readonly string[] };
}

export interface TxFSClass<FS extends TxFSLike> {
  mount(disk: SimDisk, options?: { journalBlocks?: number }): FS;
}

export type Change = readonly [name: string, data: string | null];
export type Operation =
  | { kind: "commit"; changes: readonly Change[] }
  | { kind: "abort"; changes: readonly Change[] }
  | { kind: "checkpoint" };

export interface Plan {
  name: string;
  operations: readonly Operation[];
  journalBlocks?: number;
  diskBlocks?: number;
}

export type Files = ReadonlyMap<string, string>;

/** The lesson's disk: a volatile write cache, 64-byte sectors in 512-byte blocks. */
export function volatileDisk(blocks = 128): SimDisk {
  return new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
}

/** The files after each operation: states[i] is after the first i operations. */
export function modelStates(operations: readonly Operation[]): Files[] {
  const states: Files[] = [new Map()];
  for (const op of operations) {
    const next = new Map(states[states.length - 1]);
    if (op.kind === "commit") {
      for (const [name, data] of op.changes) {
        if (data === null) next.delete(name);
        else next.set(name, data);
      }
    }
    states.push(next);
  }
  return states;
}

export function describeOperation(op: Operation): string {
  if (op.kind === "checkpoint") return "checkpoint()";
  const changes = op.changes
    .map(([name, data]) => (data === null ? `delete ${name}` : `write ${name} = ${formatValue(data)}`))
    .join(", ");
  return `${op.kind} a transaction: ${changes || "(empty)"}`;
}

/** Runs one operation on a file system; returns the id a commit gave. */
export function runOperation(fs: TxFSLike, op: Operation): number | undefined {
  if (op.kind === "checkpoint") {
    fs.checkpoint();
    return undefined;
  }
  const tx = fs.begin();
  for (const [name, data] of op.changes) {
    if (data === null) tx.delete(name);
    else tx.write(name, data);
  }
  if (op.kind === "abort") {
    tx.abort();
    return undefined;
  }
  return tx.commit();
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

function allowedStates(states: Files[], outcome: CrashOutcome): [string, Files][] {
  const before = states[outcome.completed];
  if (outcome.interrupted === undefined) return [[`after step ${outcome.completed}`, before]];
  const step = outcome.interrupted + 1;
  return [[`before step ${step}`, before], [`after step ${step}`, states[step]]];
}

/** The files of a file system as a map. */
export function filesOf(fs: TxFSLike): Map<string, string | undefined> {
  return new Map(fs.list().map((name) => [name, fs.read(name)] as const));
}

/** Passes when the files are exactly one of the allowed states; otherwise says how they differ. */
export function expectFilesOneOf(fs: TxFSLike, allowed: readonly [label: string, files: Files][]): void {
  const actual = filesOf(fs);
  const differences = allowed.map(([label, files]) => [label, differencesFrom(actual, files)] as const);
  if (differences.some(([, diffs]) => diffs.length === 0)) return;
  const story = differences.map(([label, diffs]) => `${label}: ${diffs.slice(0, 3).join("; ")}`);
  const intro = allowed.length === 1
    ? "the files are not as the completed steps left them"
    : "the files are not exactly one of the states allowed";
  throw new Error(`${intro}\n  compared with ${story.join("\n  compared with ")}`);
}

/** Which of the states the files are in (its index), or -1. */
export function whichState(fs: TxFSLike, states: readonly Files[]): number {
  const actual = filesOf(fs);
  return states.findIndex((files) => differencesFrom(actual, files).length === 0);
}

function differencesFrom(actual: ReadonlyMap<string, string | undefined>, expected: Files): string[] {
  const names = [...new Set([...actual.keys(), ...expected.keys()])].sort();
  return names
    .filter((name) => actual.get(name) !== expected.get(name))
    .map((name) => `${name} is ${formatValue(actual.get(name))}, expected ${formatValue(expected.get(name))}`);
}

const long = (tag: string) => (tag + ":" + "k".repeat(1000)).slice(0, 1000);
export const write = (name: string, data: string): Change => [name, data];
export const remove = (name: string): Change => [name, null];
export const commit = (...changes: Change[]): Operation => ({ kind: "commit", changes });
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
