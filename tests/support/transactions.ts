/**
 * What the crash workloads of the transactional lessons (4 and 5, same file-system API)
 * share: the shape of a `TxFS` as the tests use it, operations and the model of the files
 * they leave, running an operation, and a check that says in words how the recovered
 * files differ from the states allowed.
 *
 * @example
 * ```ts
 * const states = modelStates(operations);           // states[i]: files after i operations
 * expectFilesOneOf(fs, allowedStates(states, outcome));
 * ```
 */
import { formatValue } from "../../lib/crash-explorer.ts";
import type { CrashOutcome } from "../../lib/crash-explorer.ts";
import type { SimDisk } from "../../lib/sim-disk.ts";

/** What the workloads use of a transaction (lesson 4's `Transaction`). */
export interface TransactionLike {
  write(name: string, data: string): void;
  delete(name: string): void;
  commit(): number;
  abort(): void;
}

/** What the workloads use of a file system (lesson 4's `TxFS`; lesson 5 adds `recovery`). */
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

/** One change inside a transaction: new contents, or null for a delete. */
export type Change = readonly [name: string, data: string | null];

export type Operation =
  | { kind: "commit"; changes: readonly Change[] }
  | { kind: "abort"; changes: readonly Change[] }
  | { kind: "checkpoint" };

export type Files = ReadonlyMap<string, string>;

export const write = (name: string, data: string): Change => [name, data];
export const remove = (name: string): Change => [name, null];
export const commit = (...changes: Change[]): Operation => ({ kind: "commit", changes });

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

/** A plain-words name for an operation, as the failure story shows it. */
export function describeOperation(op: Operation): string {
  if (op.kind === "checkpoint") return "checkpoint()";
  const changes = op.changes
    .map(([name, data]) => (data === null ? `delete ${name}` : `write ${name} = ${shape(data)}`))
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

/** The states a recovered file system may show: before the interrupted step, or after it. */
export function allowedStates(states: Files[], outcome: CrashOutcome): [string, Files][] {
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
    : "the files are neither as before the interrupted step nor as after it (all of it or none of it)";
  throw new Error(`${intro}\n  compared with ${story.join("\n  compared with ")}`);
}

/** Which of the states the files are in (its index), or -1. */
export function whichState(fs: TxFSLike, states: readonly Files[]): number {
  const actual = filesOf(fs);
  return states.findIndex((files) => differencesFrom(actual, files).length === 0);
}

/** States are numbered by the transactions they hold: 0 before any, k after the k-th. */
export function stateName(k: number): string {
  return k === 0 ? "the files before any transaction" : `the files after transaction ${k}`;
}

/**
 * In words, which of the states the files are in, so that a failure reads "expected the
 * files after transaction 1, got files that match no state the workload could have left".
 */
export function describeState(fs: TxFSLike, states: readonly Files[]): string {
  const k = whichState(fs, states);
  if (k >= 0) return stateName(k);
  const shown = [...filesOf(fs)].map(([name, data]) => `${name}: ${shape(data)}`).join(", ");
  return `files that match no state the workload could have left (${shown || "no files"})`;
}

function differencesFrom(actual: ReadonlyMap<string, string | undefined>, expected: Files): string[] {
  const names = [...new Set([...actual.keys(), ...expected.keys()])].sort();
  return names
    .filter((name) => actual.get(name) !== expected.get(name))
    .map((name) => `${name} is ${shape(actual.get(name))}, expected ${shape(expected.get(name))}`);
}

/** Contents with long runs folded (`"v1:" + "k"×997 (1000 bytes)`), so a zeroed or mixed file shows at a glance. */
export function shape(value: string | undefined): string {
  if (value === undefined || value.length <= 40) return formatValue(value);
  const parts: string[] = [];
  let literal = "";
  for (let i = 0; i < value.length; ) {
    let j = i + 1;
    while (j < value.length && value[j] === value[i]) j++;
    if (j - i >= 8) {
      if (literal) parts.push(JSON.stringify(literal));
      parts.push(`${JSON.stringify(value[i])}×${j - i}`);
      literal = "";
    } else {
      literal += value.slice(i, j);
    }
    i = j;
  }
  if (literal) parts.push(JSON.stringify(literal.length > 40 ? literal.slice(0, 32) + "…" : literal));
  return `${parts.slice(0, 6).join(" + ")}${parts.length > 6 ? " + …" : ""} (${new TextEncoder().encode(value).length} bytes)`;
}
