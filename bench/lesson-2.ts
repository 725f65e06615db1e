/**
 * `npm run bench lesson-2` — what a snapshot costs: a full copy of the store (a new Map
 * of every entry) against snapshot() of the reference SnapshotStore (a persistent tree
 * with path copying), for stores of 10^3 to 10^6 keys. Prints, per size: the time of one
 * snapshot (for snapshot(), the fastest batch of seven rounds taken over all sizes in
 * turn, so load on the machine hits every size alike), the heap it holds, and the heap
 * that 1,000 writes after it add, with and without a snapshot kept before each write
 * (the nodes each write copies follow from that); a chart of the times; the two
 * targets; and a small simulation of the fragmentation a copy-on-write disk suffers
 * under random overwrites. It prints figures and asserts nothing. Heap figures need a
 * garbage collection before each reading: it is reached through node:v8 and node:vm
 * (on Node and Deno alike), otherwise the figures are marked as rough. About 30 s.
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import { SnapshotStore, type Snapshot } from "../solutions/lesson-2/snapshot-store.ts";

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
const WRITES_AFTER = 1_000;
const KEPT = 10_000;
const K = WRITES_AFTER.toLocaleString("en-US");

const collectGarbage = findGarbageCollector();

function findGarbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

function heapUsed(): number {
  collectGarbage?.();
  collectGarbage?.();
  return process.memoryUsage().heapUsed;
}

/** Mean time of one call of `fn`, in ns: batches of `batch` calls, the median batch. */
function timePerCall(fn: () => unknown, batch: number, batches = 5): number {
  const samples: number[] = [];
  let sink: unknown;
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = fn();
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  if (sink === Symbol.for("never")) console.log(sink); // keeps the calls from being optimised away
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

interface Row {
  keys: number;
  copyNs: number;
  snapshotNs: number;
  copyBytes: number;
  snapshotBytes: number;
  copyWriteBytes: number;
  batchedWriteBytes: number;
  pathWriteBytes: number;
  nodeBytes: number;
  store: SnapshotStore<number>;
}

function measure(keys: number): Row {
  const names = Array.from({ length: keys }, (_, i) => `key-${i}`);
  const writeKeys = Array.from({ length: WRITES_AFTER }, (_, i) => names[(i * 7919) % keys]);

  const live = new Map<string, number>();
  for (let i = 0; i < keys; i++) live.set(names[i], i);

  const beforeStore = heapUsed();
  const store = new SnapshotStore<number>();
  for (let i = 0; i < keys; i++) store.set(names[i], i);
  const nodeBytes = (heapUsed() - beforeStore) / keys;

  // Full copy: time, the heap one copy holds, and the heap 1,000 writes to it add.
  const copyNs = timePerCall(() => new Map(live), Math.max(1, Math.round(2e6 / keys)), keys >= 1e6 ? 3 : 5);
  let h0 = heapUsed();
  const copy = new Map(live);
  const copyBytes = heapUsed() - h0;
  h0 = heapUsed();
  for (let i = 0; i < WRITES_AFTER; i++) copy.set(writeKeys[i], -1 - i);
  const copyWriteBytes = heapUsed() - h0;

  // snapshot(): the heap of 10,000 kept snapshots, per snapshot (its time is measured
  // later, for every size in turn, so that machine noise hits all sizes alike).
  const kept: Snapshot<number>[] = new Array(KEPT + WRITES_AFTER);
  h0 = heapUsed();
  for (let i = 0; i < KEPT; i++) kept[i] = store.snapshot();
  const snapshotBytes = (heapUsed() - h0) / KEPT;

  // 1,000 writes after one snapshot: the live tree keeps the union of their paths (the
  // top levels are copied again by each write, and only the last copy stays).
  h0 = heapUsed();
  for (let i = 0; i < WRITES_AFTER; i++) store.set(writeKeys[i], -1 - i);
  const batchedWriteBytes = heapUsed() - h0;

  // 1,000 writes with a snapshot kept before each: every write's whole path stays.
  h0 = heapUsed();
  for (let i = 0; i < WRITES_AFTER; i++) {
    kept[KEPT + i] = store.snapshot();
    store.set(writeKeys[i], -2 - i);
  }
  const pathWriteBytes = heapUsed() - h0 - WRITES_AFTER * snapshotBytes;

  const untouched = kept[0].get(writeKeys[1]) === 7919 % keys && store.get(writeKeys[1]) === -3;
  if (copy.size !== keys || store.size !== keys || !untouched) throw new Error("benchmark state is wrong");
  return { keys, copyNs, snapshotNs: Infinity, copyBytes, snapshotBytes, copyWriteBytes, batchedWriteBytes, pathWriteBytes, nodeBytes, store };
}

function time(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

function bytes(b: number): string {
  const v = Math.max(0, b);
  if (v < 1024) return `${v.toFixed(0)} B`;
  if (v < 1024 ** 2) return `${(v / 1024).toFixed(1)} KB`;
  return `${(v / 1024 ** 2).toFixed(1)} MB`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A bar whose length grows with log10 of the time, so ns and ms fit on one line. */
function bar(ns: number): string {
  return "█".repeat(Math.max(1, Math.round(Math.log10(Math.max(ns, 1)) * 4)));
}

/**
 * A file of `blocks` blocks laid out contiguously on a copy-on-write disk, with a
 * snapshot holding the old blocks: each overwrite of a random block goes to the next
 * free address instead of its old place. Returns the extents (contiguous runs) a
 * sequential read of the file then needs.
 */
function extentsAfterOverwrites(blocks: number, overwrites: number): number {
  const address = Array.from({ length: blocks }, (_, i) => i);
  let next = blocks;
  let seed = 12345;
  for (let i = 0; i < overwrites; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    address[seed % blocks] = next++;
  }
  let extents = 1;
  for (let i = 1; i < blocks; i++) if (address[i] !== address[i - 1] + 1) extents++;
  return extents;
}

console.log("lesson-2 · snapshot cost: a full copy of a Map against snapshot() of a persistent tree");
console.log(collectGarbage ? "(heap figures after a forced garbage collection)\n" : "(no garbage collector call available: heap figures are rough)\n");

measure(SIZES[0]); // warm-up: compiles the code, so its heap is not counted as nodes
const rows: Row[] = [];
for (const keys of SIZES) {
  const t0 = performance.now();
  rows.push(measure(keys));
  console.error(`  measured ${keys.toLocaleString("en-US")} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
// The time of snapshot(): rounds over every size, the fastest batch of each size.
for (let round = 0; round < 7; round++) {
  for (const row of rows) row.snapshotNs = Math.min(row.snapshotNs, timePerCall(() => row.store.snapshot(), 50_000, 1));
}

// One node's heap, from the largest store: there the code's own heap is a rounding error.
const nodeBytes = rows[rows.length - 1].nodeBytes;
console.log(
  "\n" +
    table(
      ["keys", "full copy", "snapshot()", "faster", "heap: copy", "heap: snapshot", `${K} writes: copy`, `${K} writes: tree`, `${K} × (snapshot, write)`, "nodes per write"],
      rows.map((r) => [
        r.keys.toLocaleString("en-US"),
        time(r.copyNs),
        time(r.snapshotNs),
        `${Math.round(r.copyNs / r.snapshotNs).toLocaleString("en-US")}×`,
        bytes(r.copyBytes),
        bytes(r.snapshotBytes),
        bytes(r.copyWriteBytes),
        bytes(r.batchedWriteBytes),
        bytes(r.pathWriteBytes),
        (r.pathWriteBytes / WRITES_AFTER / nodeBytes).toFixed(1),
      ]),
    ),
);
const legend: [string, string][] = [
  ["full copy, snapshot()", "time to take one; \"faster\" is their ratio"],
  ["heap: copy, snapshot", "heap that one copy or one snapshot holds"],
  [`${K} writes: copy, tree`, `heap added by ${K} writes of existing keys after one copy or one snapshot`],
  [`${K} × (snapshot, write)`, "heap added by as many writes when a snapshot is kept before each"],
  ["nodes per write", `tree nodes such a write copies (its path), from that heap and the ${nodeBytes.toFixed(0)} bytes one node takes`],
];
const labelWidth = Math.max(...legend.map(([label]) => label.length));
console.log("\n" + legend.map(([label, text]) => `  ${label.padEnd(labelWidth)}  ${text}`).join("\n"));

console.log("\ntime per snapshot (bar length grows with log10 of the time)");
for (const r of rows) {
  const label = r.keys.toLocaleString("en-US").padStart(9);
  console.log(`${label}  full copy   ${bar(r.copyNs)} ${time(r.copyNs)}`);
  console.log(`${" ".repeat(9)}  snapshot()  ${bar(r.snapshotNs)} ${time(r.snapshotNs)}`);
}

const smallest = rows[0];
const largest = rows[rows.length - 1];
const flat = largest.snapshotNs / smallest.snapshotNs;
const speedup = largest.copyNs / largest.snapshotNs;
console.log("\ntargets");
console.log(`  snapshot() of ${largest.keys.toLocaleString("en-US")} keys within 2× of ${smallest.keys.toLocaleString("en-US")} keys: ${flat.toFixed(2)}×  ${flat <= 2 ? "met" : "MISSED"}`);
console.log(`  snapshot() at least 1000× faster than a full copy at ${largest.keys.toLocaleString("en-US")} keys: ${Math.round(speedup).toLocaleString("en-US")}×  ${speedup >= 1000 ? "met" : "MISSED"}`);

console.log("\nfragmentation: a 100,000-block file on a copy-on-write disk, a snapshot holding its old blocks");
console.log(
  table(
    ["random overwrites", "extents to read it in order"],
    [0, 100, 1_000, 10_000].map((k) => [k.toLocaleString("en-US"), extentsAfterOverwrites(100_000, k).toLocaleString("en-US")]),
  ),
);
