/**
 * `npm run bench lesson-4` — what data journaling costs, measured on the reference
 * solution: disk writes per user block for transactions of 1, 4 and 16 data blocks
 * (write amplification), and how long recovery takes when the journal holds 10, 100 or
 * 1000 committed transactions. Prints tables; asserts nothing.
 *
 *   npm run bench lesson-4
 */
import { SimDisk } from "../lib/sim-disk.ts";
import { TxFS } from "../solutions/lesson-4/tx-fs.ts";

const BLOCK_SIZE = 512;
/** A data block of the reference layout holds blockSize - 1 bytes (one kind byte). */
const BYTES_PER_DATA_BLOCK = BLOCK_SIZE - 1;

/** A disk that counts writes by what they were for, from the labels TxFS gives them. */
class CountingDisk extends SimDisk {
  counts = { journal: 0, home: 0, superblock: 0 };
  override write(block: number, data: Uint8Array, label = ""): void {
    super.write(block, data, label);
    if (label.startsWith("journal superblock")) this.counts.superblock++;
    else if (label.startsWith("journal")) this.counts.journal++;
    else this.counts.home++;
  }
}

/** Files making up `userBlocks` data blocks: 1000-byte files of 2 blocks, then a 1-block file if odd. */
function transactionFiles(userBlocks: number, round: number, distinct: boolean): [string, string][] {
  const sizes: number[] = [];
  for (let b = 0; b < userBlocks; b += sizes[sizes.length - 1] === 1000 ? 2 : 1) {
    sizes.push(userBlocks - b >= 2 ? 1000 : BYTES_PER_DATA_BLOCK);
  }
  // 64 names in turn: no file comes back before the journal has been checkpointed.
  return sizes.map((bytes, i) => [distinct ? `f${(round * sizes.length + i) % 64}` : `f${i}`, String(round % 10).repeat(bytes)]);
}

function writeAmplification(userBlocks: number, distinct: boolean) {
  const rounds = 240;
  const disk = new CountingDisk({ blocks: 256, blockSize: BLOCK_SIZE });
  const fs = TxFS.mount(disk); // the default 64-block journal
  for (let round = 0; round < rounds; round++) {
    const tx = fs.begin();
    for (const [name, data] of transactionFiles(userBlocks, round, distinct)) tx.write(name, data);
    tx.commit();
  }
  fs.checkpoint();
  const { journal, home, superblock } = disk.counts;
  const perTx = (n: number) => (n / rounds).toFixed(2);
  return {
    "user blocks per tx": userBlocks,
    files: distinct ? "new ones each tx" : "the same each tx",
    "journal writes / tx": perTx(journal),
    "home writes / tx": perTx(home),
    "superblock writes / tx": perTx(superblock),
    "writes per user block": ((journal + home + superblock) / (rounds * userBlocks)).toFixed(2),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function recovery(transactions: number) {
  const blocksPerTx = 4; // descriptor, directory block, one data block, commit
  const journalBlocks = transactions * blocksPerTx + 8;
  const disk = new SimDisk({ blocks: 1 + journalBlocks + 200, blockSize: BLOCK_SIZE });
  const fs = TxFS.mount(disk, { journalBlocks });
  for (let i = 0; i < transactions; i++) {
    const tx = fs.begin();
    tx.write(`f${i % 16}`, `version ${i} `.padEnd(400, "."));
    tx.commit();
  }
  if (fs.journal.usedBlocks !== transactions * blocksPerTx) throw new Error("the journal checkpointed during setup");
  const times: number[] = [];
  let writes = 0;
  for (let run = 0; run < 7; run++) {
    const crashed = disk.reboot(); // the power went out before any checkpoint
    const start = performance.now();
    const recovered = TxFS.mount(crashed);
    times.push(performance.now() - start);
    writes = crashed.writes;
    if (recovered.journal.lastTxid !== transactions) throw new Error("recovery lost transactions");
  }
  return {
    "committed tx in journal": transactions,
    "journal blocks scanned": transactions * blocksPerTx,
    "recovery writes": writes,
    "recovery time (median of 7)": `${median(times).toFixed(2)} ms`,
  };
}

console.log("Write amplification of data journaling (256 × 512-byte disk, 64-block journal, 240 transactions each)");
console.table([1, 4, 16].flatMap((n) => [writeAmplification(n, true), writeAmplification(n, false)]));
console.log("Recovery after a crash, with every transaction still in the journal");
console.table([10, 100, 1000].map(recovery));
