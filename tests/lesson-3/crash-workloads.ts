/**
 * Lesson 3's crash workloads: the operations a crash is injected into, and the check of
 * what must be on disk after reboot and recovery. The hidden tests explore them against
 * the code under test; `npm run crash lesson-3` explores the same ones against the
 * learner's exercise, the reference solution and the version without a journal.
 *
 * The check is the lesson's promise: every completed operation is there, and the one a
 * crash interrupted is all or nothing (each file reads as before it or as after it).
 *
 * A lesson opts into `npm run crash` by exporting `crashLab` from
 * tests/<lesson>/crash-workloads.ts, in the shape of `CrashLab` below.
 *
 * @example
 * ```ts
 * import { expectSurvivesCrashes } from "../../lib/crash-explorer.ts";
 * for (const w of workloads) expectSurvivesCrashes(explorationOf(w, (disk) => JournaledFS.mount(disk)));
 * ```
 */
import { expectOneOf, formatValue } from "../../lib/crash-explorer.ts";
import type { Exploration } from "../../lib/crash-explorer.ts";
import { sideFrom } from "../../lib/crash/commit-point.ts";
import type { CommitPointRule, RecordedWrite } from "../../lib/crash/commit-point.ts";
import { CrashError, SimDisk } from "../../lib/sim-disk.ts";
import { seededRandom } from "../../lib/random.ts";

/** The part of lesson 3's contract a workload uses. */
export interface FileSystem {
  write(name: string, data: string): void;
  delete(name: string): boolean;
  read(name: string): string | undefined;
  list(): string[];
}

export type Operation = { kind: "write"; name: string; data: string } | { kind: "delete"; name: string };

export interface Workload {
  name: string;
  ops: readonly Operation[];
}

/** What `npm run crash <lesson>` needs from a lesson (see scripts/crash.ts). */
export interface CrashLab {
  /** The exercise file (and solution file) to explore, in exercises/<lesson>/. */
  file: string;
  /** Other modules explored the same way for comparison, paths relative to the kit. */
  baselines: readonly { label: string; path: string }[];
  /** The explorations of a loaded module (the exercise, the solution or a baseline). */
  explorations(module: Record<string, unknown>): Exploration<FileSystem>[];
}

/** Contents that tell one write from another in every block: a tag, then one letter repeated. */
export function contents(tag: string, letter: string, bytes: number): string {
  const head = `[${tag}]`;
  return bytes <= head.length ? head.slice(0, bytes) : head + letter.repeat(bytes - head.length);
}

/** `count` operations over three names, sizes 0..1000 bytes, about one in five a delete. */
export function seededWorkload(seed: number, count = 6): Workload {
  const next = seededRandom(seed);
  const names = ["a", "notes.txt", "log-2.md"];
  const ops: Operation[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[Math.floor(next() * names.length)];
    if (next() < 0.2) ops.push({ kind: "delete", name });
    else ops.push({ kind: "write", name, data: contents(`s${seed}.${i + 1}`, "ABCDEFGHIJKLMNOP"[i % 16], Math.floor(next() * 1001)) });
  }
  return { name: `seed ${seed}`, ops };
}

export const workloads: readonly Workload[] = [
  {
    name: "one file, overwritten until it is gone",
    ops: [
      { kind: "write", name: "notes.txt", data: contents("v1", "a", 1000) },
      { kind: "write", name: "notes.txt", data: contents("v2", "b", 990) },
      { kind: "write", name: "notes.txt", data: contents("v3", "c", 300) },
      { kind: "write", name: "notes.txt", data: "" },
      { kind: "delete", name: "notes.txt" },
    ],
  },
  {
    name: "three files, one of them multi-byte text",
    ops: [
      { kind: "write", name: "a.txt", data: contents("a1", "x", 600) },
      { kind: "write", name: "b.txt", data: "é".repeat(500) },
      { kind: "write", name: "a.txt", data: contents("a2", "y", 1000) },
      { kind: "delete", name: "b.txt" },
      { kind: "write", name: "c", data: "tiny" },
      { kind: "write", name: "b.txt", data: "ü".repeat(400) },
    ],
  },
  seededWorkload(1),
  seededWorkload(2),
  seededWorkload(3),
];

export function stepName(op: Operation): string {
  if (op.kind === "delete") return `delete ${op.name}`;
  return `write ${op.name} (${new TextEncoder().encode(op.data).length} bytes)`;
}

export function runOperation(fs: FileSystem, op: Operation): void {
  if (op.kind === "write") fs.write(op.name, op.data);
  else fs.delete(op.name);
}

/** The files after each prefix of the workload: states[k] is the state after k operations. */
export function modelStates(ops: readonly Operation[], start = new Map<string, string>()): Map<string, string>[] {
  const states = [new Map(start)];
  for (const op of ops) {
    const next = new Map(states[states.length - 1]);
    if (op.kind === "write") next.set(op.name, op.data);
    else next.delete(op.name);
    states.push(next);
  }
  return states;
}

type Labelled = [label: string, state: Map<string, string>];

/** Passes when the file system shows exactly one of the allowed states; else says what differs. */
export function expectState(fs: FileSystem, names: readonly string[], allowed: readonly Labelled[]): void {
  const listed = fs.list();
  const files = new Map(names.map((n) => [n, fs.read(n)] as const));
  const matches = ([, state]: Labelled) =>
    sameList(listed, [...state.keys()].sort()) && names.every((n) => files.get(n) === state.get(n));
  if (allowed.some(matches)) return;
  for (const name of names) {
    const options = allowed.map(([label, state]) => [label, state.get(name)] as const);
    try {
      expectOneOf(name, files.get(name), options);
    } catch (error) {
      const shapes = options.map(([label, value]) => `  ${label}: ${shape(value)}`);
      throw new Error(`${(error as Error).message}\n  what ${name} holds: ${shape(files.get(name))}\n${shapes.join("\n")}`);
    }
  }
  expectOneOf("list()", listed, allowed.map(([label, state]) => [label, [...state.keys()].sort()] as const));
  const shown = names.map((n) => `${n} = ${formatValue(files.get(n))}`).join(", ");
  throw new Error(`the files are a mix of two states: list() is ${formatValue(listed)} while ${shown}`);
}

/** True when the file system shows exactly this state: the same list, the same contents. */
function showsState(fs: FileSystem, names: readonly string[], state: Map<string, string>): boolean {
  return sameList(fs.list(), [...state.keys()].sort()) && names.every((n) => fs.read(n) === state.get(n));
}

/** Block 1 of the layout the skeleton gives (README "The layout you are given"). */
const JOURNAL_HEADER_BLOCK = 1;

/**
 * Whether `write` is the journal header recording `op`, in the skeleton's encoding
 * (byte 0 the kind, 1 write or 2 delete; byte 6 the name's length; the name from byte 8):
 * the write the lesson names as the operation's commit point. A design that keeps its
 * journal elsewhere or encodes it otherwise never matches, and is held to the monotone
 * rule only.
 */
export function isJournalHeaderOf(op: Operation, write: RecordedWrite): boolean {
  if (write.block !== JOURNAL_HEADER_BLOCK) return false;
  const name = new TextEncoder().encode(op.name);
  const image = write.image;
  return image[0] === (op.kind === "write" ? 1 : 2) && image[6] === name.length && name.every((b, i) => image[8 + i] === b);
}

/**
 * The commit-point rule of a workload (lib/crash/commit-point.ts): which side of the
 * interrupted operation recovery shows, and the journal header write that decides it
 * ("Until write 3 has happened the answer is always old; once it has, always new").
 */
export function commitPointRuleOf(workload: Workload): CommitPointRule<FileSystem> {
  const states = modelStates(workload.ops);
  const names = [...new Set(workload.ops.map((op) => op.name))].sort();
  return {
    sideOf(fs, { interrupted }) {
      if (interrupted === undefined) return "either";
      return sideFrom(showsState(fs, names, states[interrupted]), showsState(fs, names, states[interrupted + 1]));
    },
    isCommitWrite: (write, step) => isJournalHeaderOf(workload.ops[step], write),
  };
}

/** Contents as runs of one repeated character (`"[v2]" + "b"×508 + "a"×488`): a torn file shows at a glance. */
export function shape(value: string | undefined): string {
  if (value === undefined) return "missing";
  const parts: string[] = [];
  let literal = "";
  for (let i = 0; i < value.length; ) {
    let j = i + 1;
    while (j < value.length && value[j] === value[i]) j++;
    if (j - i < 4) {
      literal += value.slice(i, j);
    } else {
      if (literal) parts.push(JSON.stringify(literal));
      parts.push(`${JSON.stringify(value[i])}×${j - i}`);
      literal = "";
    }
    i = j;
  }
  if (literal || parts.length === 0) parts.push(JSON.stringify(literal));
  return `${parts.join(" + ")} (${new TextEncoder().encode(value).length} bytes)`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The crash exploration of one workload against a mount function. */
export function explorationOf(workload: Workload, mount: (disk: SimDisk) => FileSystem): Exploration<FileSystem> {
  const states = modelStates(workload.ops);
  const names = [...new Set(workload.ops.map((op) => op.name))].sort();
  return {
    name: workload.name,
    mount,
    steps: workload.ops.map((op) => ({ name: stepName(op), run: (fs: FileSystem) => runOperation(fs, op) })),
    check(fs, { completed, interrupted }) {
      if (interrupted === undefined) {
        expectState(fs, names, [[completed === 0 ? "nothing written yet" : `after step ${completed}`, states[completed]]]);
      } else {
        const step = `step ${interrupted + 1} "${stepName(workload.ops[interrupted])}"`;
        expectState(fs, names, [[`before ${step}`, states[interrupted]], [`after ${step}`, states[interrupted + 1]]]);
      }
    },
  };
}

/**
 * Work after a recovered crash must survive crashes too: recovery has to leave a clean
 * journal behind, or a stale record is redone over newer work (with newer journal data).
 * For each crash point k inside the overwrite that ends a first run, the disk
 * it leaves is the starting disk of an exploration whose first mount recovers it and
 * whose steps then carry on.
 */
export function afterRecoveryExplorations(mount: (disk: SimDisk) => FileSystem): Exploration<FileSystem>[] {
  const first: Operation[] = [
    { kind: "write", name: "notes.txt", data: contents("v1", "a", 1000) },
    { kind: "write", name: "notes.txt", data: contents("v2", "b", 800) },
  ];
  const then: Operation[] = [
    { kind: "write", name: "notes.txt", data: contents("v3", "c", 600) },
    { kind: "write", name: "todo.md", data: contents("t1", "t", 900) },
  ];
  const names = ["notes.txt", "todo.md"];
  const firstStates = modelStates(first);
  let writesOfFirstRun: number;
  let lastStepStart: number;
  try {
    writesOfFirstRun = runFirst(mount, first, undefined).writes;
    lastStepStart = runFirst(mount, first.slice(0, -1), undefined).writes;
  } catch {
    return []; // broken even without a crash: the plain workloads report why
  }
  const explorations: Exploration<FileSystem>[] = [];
  // Only the crash points inside the overwrite: the ones that leave recovery something to do.
  for (let k = lastStepStart; k < writesOfFirstRun; k++) {
    const crashed = runFirst(mount, first, k);
    const stepsDone = crashed.completed;
    const options: Labelled[] = stepsDone === first.length
      ? [["after the first run", firstStates[stepsDone]]]
      : [[`before "${stepName(first[stepsDone])}" of the first run`, firstStates[stepsDone]], [`after "${stepName(first[stepsDone])}" of the first run`, firstStates[stepsDone + 1]]];
    const bases = probe(mount, crashed.disk, names, options);
    explorations.push({
      name: `after a crash at write ${k + 1} of ${writesOfFirstRun} of a first run (${first.map(stepName).join(", ")}) and its recovery`,
      newDisk: () => crashed.disk.reboot(),
      mount,
      steps: then.map((op) => ({ name: stepName(op), run: (fs: FileSystem) => runOperation(fs, op) })),
      check(fs, { completed, interrupted }) {
        const allowed: Labelled[] = [];
        for (const [label, base] of bases) {
          const states = modelStates(then, base);
          if (interrupted === undefined) allowed.push([`${label}, then ${completed} more steps`, states[completed]]);
          else {
            const step = `step ${interrupted + 1} "${stepName(then[interrupted])}"`;
            allowed.push([`${label}, then before ${step}`, states[interrupted]], [`${label}, then after ${step}`, states[interrupted + 1]]);
          }
        }
        expectState(fs, names, allowed);
      },
    });
  }
  return explorations;
}

/** Runs mount + ops on a fresh disk, with a crash after `crashAfter` writes if given. */
function runFirst(mount: (disk: SimDisk) => FileSystem, ops: readonly Operation[], crashAfter: number | undefined) {
  const disk = new SimDisk();
  if (crashAfter !== undefined) disk.crashAfter(crashAfter);
  let completed = 0;
  try {
    const fs = mount(disk);
    for (const op of ops) {
      runOperation(fs, op);
      completed++;
    }
  } catch (error) {
    if (!(error instanceof CrashError)) {
      const when = crashAfter === undefined ? "without a crash" : `with a crash after write ${crashAfter}`;
      throw new Error(`the first run (${ops.map(stepName).join(", ")}) ${when} threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
    }
  }
  return { disk, completed, writes: disk.writes };
}

/**
 * Which allowed state the recovery of this disk settles on (recovery is deterministic),
 * so the later steps are checked against that one; all of them when it settles on none,
 * which the exploration then reports.
 */
function probe(mount: (disk: SimDisk) => FileSystem, disk: SimDisk, names: readonly string[], options: Labelled[]): Labelled[] {
  try {
    const fs = mount(disk.reboot());
    const found = options.find(([, state]) => names.every((n) => fs.read(n) === state.get(n)));
    return found ? [found] : options;
  } catch {
    return options;
  }
}

/** A module's class with a static mount(disk), as a mount function; throws when missing. */
export function mountOf(module: Record<string, unknown>, className: string): (disk: SimDisk) => FileSystem {
  const cls = module[className] as { mount?: unknown } | undefined;
  if (typeof cls?.mount !== "function") throw new TypeError(`the module does not export a class ${className} with a static mount(disk)`);
  return (disk) => (cls as { mount(disk: SimDisk): FileSystem }).mount(disk);
}

export const crashLab: CrashLab = {
  file: "journaled-fs.ts",
  baselines: [{ label: "without a journal", path: "lib/demos/unjournaled-fs.ts" }],
  explorations(module) {
    const mount = mountOf(module, "UnjournaledFS" in module ? "UnjournaledFS" : "JournaledFS");
    return [...workloads.map((w) => explorationOf(w, mount)), ...afterRecoveryExplorations(mount)];
  },
};
