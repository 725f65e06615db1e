/**
 * `npm run bench lesson-5` — what a checksum in the commit block buys, on a disk with a
 * volatile write cache. Three commit protocols, each a few lines below, write the same
 * transaction (a descriptor, k block images, a commit block):
 *   - "one flush, trusting": commit block, then one flush; recovery trusts any commit block
 *   - "barrier": flush before the commit block and after it (lesson 4's order, enforced)
 *   - "checksum": a CRC-32 of the transaction in the commit block, one flush; recovery verifies
 * For each: writes and flushes per commit, and how many of the crash states the volatile
 * explorer tries would replay a transaction that is not all there. Then the reference
 * solution's own counts per commit. Prints tables; asserts nothing.
 *
 *   npm run bench lesson-5
 */
import crc32 from "crc/calculators/crc32";
import { exploreCrashes } from "../lib/crash-explorer.ts";
import { SimDisk } from "../lib/sim-disk.ts";
import { TxFS } from "../solutions/lesson-5/tx-fs.ts";

type Protocol = "one flush, trusting" | "barrier" | "checksum";
const PROTOCOLS: Protocol[] = ["one flush, trusting", "barrier", "checksum"];

const JOURNAL = 1;
const HOME = 40;
const COMMIT_MAGIC = 0xc0;

/** A journal of one transaction of `k` blocks, just enough to compare protocols. */
class MiniJournal {
  constructor(readonly disk: SimDisk, readonly protocol: Protocol) {}

  /** Writes version `v` of the k home blocks through the journal; durable on return. */
  commit(k: number, v: number): void {
    const images = Array.from({ length: k }, (_, i) => new Uint8Array(64).fill(v * 16 + i + 1));
    const descriptor = new Uint8Array([k, v]);
    this.disk.write(JOURNAL, descriptor, "descriptor");
    images.forEach((image, i) => this.disk.write(JOURNAL + 1 + i, image, `image ${i + 1}`));
    if (this.protocol === "barrier") this.disk.flush();
    const commit = new Uint8Array(8);
    const view = new DataView(commit.buffer);
    view.setUint8(0, COMMIT_MAGIC);
    view.setUint8(1, v);
    if (this.protocol === "checksum") view.setUint32(4, checksum(this.disk, k));
    this.disk.write(JOURNAL + 1 + k, commit, "commit block");
    this.disk.flush();
  }

  /** Replays the journal's transaction when its commit block is there (and verifies, if checksummed). */
  recover(): void {
    const [k, v] = this.disk.read(JOURNAL);
    if (k === 0) return;
    const commit = new DataView(this.disk.read(JOURNAL + 1 + k).buffer);
    if (commit.getUint8(0) !== COMMIT_MAGIC || commit.getUint8(1) !== v) return;
    if (this.protocol === "checksum" && commit.getUint32(4) !== checksum(this.disk, k)) return;
    for (let i = 0; i < k; i++) this.disk.write(HOME + i, this.disk.read(JOURNAL + 1 + i), `home ${i + 1}`);
    this.disk.flush();
  }
}

function checksum(disk: SimDisk, k: number): number {
  let crc = crc32(disk.read(JOURNAL));
  for (let i = 0; i < k; i++) crc = crc32(disk.read(JOURNAL + 1 + i), crc);
  return crc >>> 0;
}

/** Version of the home blocks: all the same, or -1 for a mix (a half transaction). */
function homeVersion(disk: SimDisk, k: number): number {
  const firsts = Array.from({ length: k }, (_, i) => disk.read(HOME + i)[0]);
  const versions = firsts.map((byte, i) => (byte === 0 ? 0 : (byte - i - 1) / 16));
  return versions.every((v) => v === versions[0]) ? versions[0] : -1;
}

function compare(k: number) {
  return PROTOCOLS.map((protocol) => {
    const disk = new SimDisk({ blocks: 64, blockSize: 64, model: "volatile", sectorSize: 16 });
    new MiniJournal(disk, protocol).commit(k, 1);
    let broken = 0;
    const report = exploreCrashes({
      newDisk: () => new SimDisk({ blocks: 64, blockSize: 64, model: "volatile", sectorSize: 16 }),
      mount(d) {
        const journal = new MiniJournal(d, protocol);
        journal.recover();
        return journal;
      },
      steps: [{ name: `commit ${k} blocks`, run: (j) => j.commit(k, 1) }],
      volatile: true,
      crashDuringRecovery: false,
      check(j, { completed }) {
        const version = homeVersion(j.disk, k);
        if (version === -1 || (completed === 1 && version !== 1)) broken++;
      },
    });
    return {
      "blocks per tx": k,
      protocol,
      "writes / commit": disk.writes,
      "flushes / commit": disk.flushes,
      "crash states tried": report.points,
      "states left broken": broken,
    };
  });
}

function solutionCounts(files: number, bytes: number) {
  const rounds = 50;
  const disk = new SimDisk({ model: "volatile", sectorSize: 64 });
  const fs = TxFS.mount(disk);
  const before = { writes: disk.writes, flushes: disk.flushes };
  let checkpoints = 0;
  for (let round = 0; round < rounds; round++) {
    const used = fs.journal.usedBlocks;
    const tx = fs.begin();
    for (let f = 0; f < files; f++) tx.write(`f${f}`, String(round % 10).repeat(bytes));
    tx.commit();
    if (fs.journal.usedBlocks < used) checkpoints++;
  }
  const per = (n: number) => (n / rounds).toFixed(2);
  return {
    "files per tx": files,
    "bytes per file": bytes,
    "writes / commit": per(disk.writes - before.writes),
    "flushes / commit": per(disk.flushes - before.flushes),
    "checkpoints forced": checkpoints,
  };
}

console.log("\nOne transaction, three commit protocols, every crash state the volatile explorer tries");
console.log("(a broken state: home blocks of two versions, or a commit that returned and was lost)\n");
console.table([...compare(1), ...compare(3), ...compare(6)]);

console.log("\nThe reference solution (lesson 5's TxFS), 50 commits each, the journal's checkpoints included\n");
console.table([solutionCounts(1, 10), solutionCounts(3, 10), solutionCounts(1, 1000), solutionCounts(5, 1000)]);
