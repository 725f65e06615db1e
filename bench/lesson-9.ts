/**
 * `npm run bench lesson-9` — what group commit buys. 1, 4 and 16 concurrent writers each
 * run transactions back to back on the reference ConcurrentFS; a flush takes a fixed
 * simulated time (FLUSH_MS, a timer), as a disk's cache flush does. Prints commits per
 * second and flushes per transaction, with and without group commit.
 */
import { SimDisk } from "../lib/sim-disk.ts";
import { ConcurrentFS } from "../solutions/lesson-9/concurrent-fs.ts";

const FLUSH_MS = 2;
const TRANSACTIONS_PER_WRITER = 40;

interface Figures {
  writers: number;
  groupCommit: boolean;
  commits: number;
  seconds: number;
  flushesPerTransaction: number;
}

async function measure(writers: number, groupCommit: boolean): Promise<Figures> {
  const disk = new SimDisk({ blocks: 1024 });
  const fs = ConcurrentFS.mount(disk, { groupCommit, io: () => new Promise((resolve) => setTimeout(resolve, FLUSH_MS)) });
  const flushesBefore = disk.flushes;
  const start = performance.now();
  const writer = async (w: number) => {
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
      await fs.transaction(async (tx) => tx.write(`w${w}`, `transaction ${i} of writer ${w}`));
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const seconds = (performance.now() - start) / 1000;
  const commits = writers * TRANSACTIONS_PER_WRITER;
  return { writers, groupCommit, commits, seconds, flushesPerTransaction: (disk.flushes - flushesBefore) / commits };
}

await measure(4, true); // warm up the JIT so the first row is not penalised
const rows: Figures[] = [];
for (const writers of [1, 4, 16]) {
  for (const groupCommit of [false, true]) rows.push(await measure(writers, groupCommit));
}

console.log(`lesson 9 · group commit (a flush takes ${FLUSH_MS} ms; ${TRANSACTIONS_PER_WRITER} transactions per writer)\n`);
console.log("writers  group commit  commits/s  flushes/transaction");
for (const r of rows) {
  console.log(
    `${String(r.writers).padStart(7)}  ${(r.groupCommit ? "on" : "off").padEnd(12)}  ${String(Math.round(r.commits / r.seconds)).padStart(9)}  ${r.flushesPerTransaction.toFixed(2).padStart(19)}`,
  );
}
for (const writers of [4, 16]) {
  const off = rows.find((r) => r.writers === writers && !r.groupCommit)!;
  const on = rows.find((r) => r.writers === writers && r.groupCommit)!;
  console.log(`\n${writers} writers: group commit gives ${((on.commits / on.seconds) / (off.commits / off.seconds)).toFixed(1)}× the commits per second, ${(off.flushesPerTransaction / on.flushesPerTransaction).toFixed(1)}× fewer flushes per transaction`);
}
