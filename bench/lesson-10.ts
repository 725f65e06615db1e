/**
 * `npm run bench lesson-10` — what an intent log saves: fsync through the log (one record,
 * one barrier) against fsync as a full root switch (lesson 7's commit: the path up to the
 * root, a barrier, the superblock, a barrier), measured on the reference solution for 1,
 * 10 and 100 small fsyncs between two root switches. Costs are counted (disk writes and
 * flushes), never timed; the latency column turns the counts into time with a stated
 * device model, so that the figures are the same on every machine.
 *
 *   npm run bench lesson-10
 */
import { SimDisk } from "../lib/sim-disk.ts";
import { IntentLogFS } from "../solutions/lesson-10/intent-log-fs.ts";

/** The device model of the latency column: a cache flush costs this many block writes. */
const FLUSH_COST = 10;
const FILES = 20;
const FSYNC_COUNTS = [1, 10, 100];

interface Measured {
  /** Writes and flushes issued inside the fsync calls, per fsync. */
  writes: number;
  flushes: number;
  /** Everything, the closing root switch included, per fsync. */
  totalWrites: number;
  totalFlushes: number;
}

const letters = (seed: number, n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((seed * 7 + i * 3) % 26))).join("");

/**
 * FILES files of 1000 bytes in a committed tree, then `count` updates of 100 bytes to
 * one file each, every one made durable at once: by `durable` (fsync or a root switch).
 * The run ends with a root switch, as the next sync() or the periodic commit would.
 */
function measure(count: number, durable: (fs: IntentLogFS, name: string) => void): Measured {
  const disk = new SimDisk({ blocks: 4096, model: "volatile" });
  const fs = IntentLogFS.mount(disk);
  for (let i = 0; i < FILES; i++) fs.write(`file-${i}`, letters(i, 1000));
  fs.sync();
  const start = { writes: disk.writes, flushes: disk.flushes };
  let inside = { writes: 0, flushes: 0 };
  for (let i = 0; i < count; i++) {
    const name = `small-${i % FILES}`;
    fs.write(name, letters(1000 + i, 100));
    const before = { writes: disk.writes, flushes: disk.flushes };
    durable(fs, name);
    inside = { writes: inside.writes + disk.writes - before.writes, flushes: inside.flushes + disk.flushes - before.flushes };
  }
  fs.sync();
  const after = IntentLogFS.mount(disk.reboot({ reached: [] }));
  for (let i = 0; i < Math.min(count, FILES); i++) if (after.read(`small-${i}`) === undefined) throw new Error(`small-${i} was lost`);
  return {
    writes: inside.writes / count,
    flushes: inside.flushes / count,
    totalWrites: (disk.writes - start.writes) / count,
    totalFlushes: (disk.flushes - start.flushes) / count,
  };
}

const pad = (v: string | number, n: number) => String(v).padStart(n);
const fixed = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

console.log(`${FILES} files of 1000 bytes committed on a 4096-block disk; then N updates of 100 bytes, each made durable`);
console.log(`at once, then one root switch. Latency per fsync: its writes + ${FLUSH_COST} × its flushes (a flush costs ${FLUSH_COST} block writes).\n`);
console.log("  N   fsync through             writes/fsync   flushes/fsync   latency/fsync   all writes/fsync   all flushes/fsync");
for (const count of FSYNC_COUNTS) {
  const rows: [string, Measured][] = [
    ["the intent log", measure(count, (fs, name) => fs.fsync(name))],
    ["a full root switch", measure(count, (fs) => fs.sync())],
  ];
  for (const [label, m] of rows) {
    const latency = m.writes + FLUSH_COST * m.flushes;
    console.log(`${pad(count, 3)}   ${label.padEnd(22)}  ${pad(fixed(m.writes), 13)}   ${pad(fixed(m.flushes), 13)}   ${pad(fixed(latency), 13)}   ${pad(fixed(m.totalWrites), 16)}   ${pad(fixed(m.totalFlushes), 17)}`);
  }
}
console.log("\n(writes/fsync and flushes/fsync: inside the fsync call, what its caller waits for; the 'all' columns add the closing root switch, shared by the N fsyncs)");
