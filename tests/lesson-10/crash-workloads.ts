/**
 * Lesson 10's crash workloads: writes and deletes (in memory), fsync of single files and
 * root switches (sync), on a disk with a write cache in 64-byte sectors, each with what
 * every file may hold after a power cut. The hidden tests explore them against the code
 * under test; `npm run crash lesson-10` explores the same ones, after a baseline: lesson 7's
 * file system with fsync left to the next commit (`crashLab`).
 *
 * The check is the lesson's promise, file by file: a file holds what it held at its last
 * durability point (the last fsync of it, or the last sync, that returned before the power
 * cut) or any state it went through after that, never an older one and never anything
 * else. So an fsync that returned is never lost, a sync that returned is never lost, a
 * stale record from an older generation can never resurrect an older state, and the
 * interrupted fsync or sync is each file's old or new state, never a mix. `list()` must
 * agree with `read()`. Recovery crashes (at every write and flush of the mount that
 * replays) are explored too, so replay must be idempotent.
 *
 * @example
 * ```ts
 * import { IntentLogFS } from "@impl/lesson-10/intent-log-fs.ts";
 * for (const w of workloads) expectSurvivesCrashes(explorationOf(w, (disk) => IntentLogFS.mount(disk)));
 * ```
 */
import { formatValue } from "../../lib/crash-explorer.ts";
import type { Exploration } from "../../lib/crash-explorer.ts";
import { SimDisk } from "../../lib/sim-disk.ts";

/** The part of lesson 10's contract a workload uses. */
export interface FileSystem {
  write(name: string, data: string): void;
  delete(name: string): boolean;
  read(name: string): string | undefined;
  list(): string[];
  fsync(name: string): void;
  sync(): void;
}

export type Operation =
  | { kind: "write"; name: string; data: string }
  | { kind: "delete"; name: string }
  | { kind: "fsync"; name: string }
  | { kind: "sync" };

export interface Workload {
  name: string;
  ops: readonly Operation[];
  /** Disk size in blocks; 256 by default. */
  blocks?: number;
}

export const write = (name: string, data: string): Operation => ({ kind: "write", name, data });
export const remove = (name: string): Operation => ({ kind: "delete", name });
export const fsync = (name: string): Operation => ({ kind: "fsync", name });
export const sync: Operation = { kind: "sync" };

/** Contents that tell one version from another in every 64-byte sector: a tag, then one letter repeated. */
export function contents(tag: string, letter: string, bytes: number): string {
  const head = `[${tag}]`;
  return bytes <= head.length ? head.slice(0, bytes) : head + letter.repeat(bytes - head.length);
}

/** The lesson's disk: a write cache that loses, reorders and tears (64-byte sectors) what was not flushed. */
export function volatileDisk(blocks = 256): SimDisk {
  return new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
}

export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case "write":
      return `write ${op.name} = ${formatValue(op.data)}`;
    case "delete":
      return `delete ${op.name}`;
    case "fsync":
      return `fsync(${op.name})`;
    case "sync":
      return "sync()";
  }
}

export function runOperation(fs: FileSystem, op: Operation): void {
  if (op.kind === "write") fs.write(op.name, op.data);
  else if (op.kind === "delete") fs.delete(op.name);
  else if (op.kind === "fsync") fs.fsync(op.name);
  else fs.sync();
}

type Files = ReadonlyMap<string, string>;

/** The files after each prefix of `ops`: states[k] after k operations. */
export function modelStates(ops: readonly Operation[]): Files[] {
  const states: Files[] = [new Map()];
  for (const op of ops) {
    const next = new Map(states[states.length - 1]);
    if (op.kind === "write") next.set(op.name, op.data);
    if (op.kind === "delete") next.delete(op.name);
    states.push(next);
  }
  return states;
}

/**
 * What `name` may hold once `completed` operations returned: its state at its last
 * durability point among them (an fsync of it or a sync; 0 = the empty disk) and every
 * state after that, each labelled for the failure story.
 */
export function allowedValues(ops: readonly Operation[], states: readonly Files[], name: string, completed: number): [string, string | undefined][] {
  let durable = 0;
  for (let k = 1; k <= completed; k++) {
    const op = ops[k - 1];
    if (op.kind === "sync" || (op.kind === "fsync" && op.name === name)) durable = k;
  }
  const allowed: [string, string | undefined][] = [];
  for (let k = durable; k <= completed; k++) {
    const value = states[k].get(name);
    if (allowed.some(([, v]) => v === value)) continue;
    const label = k === durable ? (k === 0 ? "never made durable" : `as made durable by step ${k}, ${describeOperation(ops[k - 1])}`) : `as written by step ${k}, not yet durable`;
    allowed.push([label, value]);
  }
  return allowed;
}

/** Throws, naming the file, when `fs` holds a state the contract does not allow after `completed` operations. */
export function checkFiles(fs: FileSystem, ops: readonly Operation[], states: readonly Files[], completed: number): void {
  const names = [...new Set(ops.flatMap((op) => ("name" in op ? [op.name] : [])))].sort();
  const present: string[] = [];
  for (const name of names) {
    const value = fs.read(name);
    const allowed = allowedValues(ops, states, name, completed);
    if (!allowed.some(([, v]) => v === value)) {
      throw new Error(`${name} is ${formatValue(value)}; expected ${allowed.map(([label, v]) => `${formatValue(v)} (${label})`).join(" or ")}`);
    }
    if (value !== undefined) present.push(name);
  }
  const listed = fs.list();
  // Element by element: a returned array's own toJSON could make two different lists print alike.
  const same = Array.isArray(listed) && listed.length === present.length && present.every((name, i) => listed[i] === name);
  if (!same) {
    throw new Error(`list() is ${formatValue(listed)}, but the files that read() finds are ${formatValue(present)}`);
  }
}

/** A volatile-model crash exploration of `workload`: every write and flush, the states the cache can leave, recovery crashes included. */
export function explorationOf<FS extends FileSystem>(workload: Workload, mount: (disk: SimDisk) => FS): Exploration<FS> {
  const states = modelStates(workload.ops);
  return {
    name: workload.name,
    newDisk: () => volatileDisk(workload.blocks),
    // Sampled like lesson 7's: nothing, everything, all but one block and one block alone
    // of the cache always, then random states and torn writes up to 24 per crash point.
    volatile: { maxSubsets: 24 },
    mount,
    steps: workload.ops.map((op) => ({ name: describeOperation(op), run: (fs: FS) => runOperation(fs, op) })),
    check: (fs, { completed }) => checkFiles(fs, workload.ops, states, completed),
  };
}

const big = (tag: string, letter: string) => contents(tag, letter, 600);

/** The workloads of the crash tests, small enough to explore every crash point fast (600 bytes: a record of two log blocks). */
export const workloads: Record<string, Workload> = {
  fsyncs: {
    name: "fsyncs between root switches",
    ops: [
      write("a.txt", "alpha"), fsync("a.txt"),
      write("b.txt", big("b1", "b")), write("a.txt", "ALPHA"), fsync("b.txt"),
      fsync("a.txt"),
      remove("a.txt"), fsync("a.txt"),
      sync,
      write("b.txt", "short"), fsync("b.txt"),
    ],
  },
  staleChains: {
    name: "records of an older generation left on disk",
    ops: [
      write("a", "v1"), fsync("a"), write("b", big("b1", "x")), fsync("b"),
      write("a", "v2"), sync,
      remove("b"), sync,
      write("c", "c1"), fsync("c"),
      write("a", "v3"), sync,
      write("c", "c2"),
      sync,
    ],
  },
  unsynced: {
    name: "changes neither fsynced nor synced",
    ops: [
      write("keep", "kept"), sync,
      write("keep", "changed, never made durable"), write("new", big("n1", "n")),
      write("other", "o1"), fsync("other"),
      remove("keep"), fsync("new"),
    ],
  },
  multiBlock: {
    name: "records that span several log blocks",
    ops: [
      write("f", big("f1", "f")), write("g", big("g1", "g")), fsync("f"), fsync("g"),
      write("f", big("f2", "F")), fsync("f"),
      sync,
      write("g", big("g2", "G")), fsync("g"),
    ],
  },
};

/** The part of lesson 7's CowFS the crash lab's baseline drives. */
interface CowFSLike {
  begin(): { write(name: string, data: string): void; delete(name: string): void; commit(): number };
  read(name: string): string | undefined;
  list(): string[];
}

/**
 * Lesson 7's file system with changes kept in memory and an fsync that waits for the next
 * commit (sync): what a copy-on-write file system without an intent log would have to do
 * to keep fsync cheap. The baseline of `npm run crash lesson-10`.
 */
function withoutIntentLog(fs: CowFSLike): FileSystem {
  const dirty = new Map<string, string | null>();
  const read = (name: string) => (dirty.has(name) ? (dirty.get(name) ?? undefined) : fs.read(name));
  return {
    write: (name, data) => void dirty.set(name, data),
    delete: (name) => {
      const existed = read(name) !== undefined;
      dirty.set(name, null);
      return existed;
    },
    read,
    list: () => [...new Set([...fs.list(), ...dirty.keys()])].filter((name) => read(name) !== undefined).sort(),
    fsync: () => {},
    sync: () => {
      const tx = fs.begin();
      for (const [name, data] of dirty) {
        if (data === null) tx.delete(name);
        else tx.write(name, data);
      }
      tx.commit();
      dirty.clear();
    },
  };
}

/** `npm run crash lesson-10`: lesson 7's file system without an intent log as the baseline, then the exercise or the solution. */
export const crashLab = {
  file: "intent-log-fs.ts",
  baselines: [{ label: "lesson 7's copy-on-write file system, fsync left to the next commit", path: "solutions/lesson-7/cow-fs.ts" }] as readonly { label: string; path: string }[],
  explorations(module: Record<string, unknown>): Exploration<FileSystem>[] {
    const CowFS = module.CowFS as { mount?: (disk: SimDisk) => CowFSLike } | undefined;
    if (module.IntentLogFS === undefined && typeof CowFS?.mount === "function") {
      return Object.values(workloads).map((w) => explorationOf(w, (disk) => withoutIntentLog(CowFS.mount!(disk))));
    }
    const IntentLogFS = module.IntentLogFS as { mount?: (disk: SimDisk) => FileSystem } | undefined;
    if (typeof IntentLogFS?.mount !== "function") throw new TypeError("the module does not export a class IntentLogFS with a static mount(disk)");
    const mount = (disk: SimDisk) => IntentLogFS.mount!(disk);
    return Object.values(workloads).map((w) => explorationOf(w, mount));
  },
};
