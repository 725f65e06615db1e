/**
 * `npm run bench lesson-6` — what journaling only metadata saves: disk writes of lesson 6's
 * ordered-mode OrderedFS beside lesson 4's TxFS, which journals every changed block,
 * file data included (ext3/ext4's data=journal). Same workloads, same default disk
 * (256 blocks of 512 bytes, 64-block journal), reference solutions of both lessons.
 *
 * Write amplification = bytes the disk wrote (blocks written × block size) / bytes of
 * file contents the workload wrote. Writes are split into journal blocks (records,
 * descriptors, commits, journal headers) and home blocks (file data, and metadata
 * installed by checkpoints). Every workload ends with checkpoint(), so all its work is home.
 *
 *   npm run bench lesson-6
 */
import { SimDisk } from "../lib/sim-disk.ts";
import { OrderedFS } from "../solutions/lesson-6/ordered-fs.ts";
import { TxFS } from "../solutions/lesson-4/tx-fs.ts";
import { readLayout } from "../lib/metadata-fs-layout.ts";

interface FileSystem {
  begin(): { write(name: string, data: string): void; delete(name: string): void; commit(): number };
  checkpoint(): void;
}

interface Contender {
  name: string;
  mount(disk: SimDisk): FileSystem;
  /** True for blocks that belong to the journal (its header included). */
  isJournal(disk: SimDisk, block: number): boolean;
}

const contenders: Contender[] = [
  {
    name: "lesson 4 TxFS (data journaling)",
    mount: (disk) => TxFS.mount(disk),
    // TxFS: block 0 is its journal superblock, blocks 1..64 its default journal.
    isJournal: (_disk, block) => block <= 64,
  },
  {
    name: "lesson 6 OrderedFS (metadata, ordered)",
    mount: (disk) => OrderedFS.mount(disk),
    isJournal: (disk, block) => {
      const layout = readLayout(disk)!;
      return block >= layout.journalHeader && block < layout.dataStart;
    },
  },
];

type Op = [name: string, data: string | undefined];
interface Workload {
  name: string;
  transactions: Op[][];
}

function contents(seed: number, bytes: number): string {
  const unit = `v${seed}-abcdefghijklmnopqrstuvwxyz0123456789|`;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

const workloads: Workload[] = [
  {
    name: "200 commits, each rewriting one 100-byte file (20 names)",
    transactions: Array.from({ length: 200 }, (_, i) => [[`file-${i % 20}`, contents(i, 100)]]),
  },
  {
    name: "200 commits, each rewriting one 1000-byte file (20 names)",
    transactions: Array.from({ length: 200 }, (_, i) => [[`file-${i % 20}`, contents(i, 1000)]]),
  },
  {
    name: "20 commits of 10 files of 1000 bytes each",
    transactions: Array.from({ length: 20 }, (_, t) =>
      Array.from({ length: 10 }, (_, f): Op => [`file-${(t * 10 + f) % 20}`, contents(t * 10 + f, 1000)])),
  },
  {
    name: "create 20 files of 1000 bytes, then delete them, one per commit",
    transactions: [
      ...Array.from({ length: 20 }, (_, i): Op[] => [[`file-${i}`, contents(i, 1000)]]),
      ...Array.from({ length: 20 }, (_, i): Op[] => [[`file-${i}`, undefined]]),
    ],
  },
];

interface Measure {
  journal: number;
  home: number;
  userBytes: number;
}

function run(contender: Contender, workload: Workload): Measure {
  const disk = new SimDisk();
  const fs = contender.mount(disk);
  const formatWrites = disk.log.length;
  let userBytes = 0;
  for (const ops of workload.transactions) {
    const tx = fs.begin();
    for (const [name, data] of ops) {
      if (data === undefined) tx.delete(name);
      else {
        tx.write(name, data);
        userBytes += new TextEncoder().encode(data).length;
      }
    }
    tx.commit();
  }
  fs.checkpoint();
  const writes = disk.log.slice(formatWrites);
  const journal = writes.filter((w) => contender.isJournal(disk, w.block)).length;
  return { journal, home: writes.length - journal, userBytes };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log("lesson 6 · write amplification: metadata journaling (ordered) vs data journaling");
console.log("disk: 256 blocks of 512 bytes, journal 64 blocks; every workload ends with checkpoint()\n");
for (const workload of workloads) {
  console.log(workload.name);
  console.log(`  ${"".padEnd(40)} ${pad("journal", 8)} ${pad("home", 6)} ${pad("total", 6)} ${pad("per commit", 11)} ${pad("amplification", 14)}`);
  const totals: number[] = [];
  for (const contender of contenders) {
    const m = run(contender, workload);
    const total = m.journal + m.home;
    totals.push(total);
    const amplification = m.userBytes === 0 ? "n/a" : `${((total * 512) / m.userBytes).toFixed(1)}×`;
    console.log(`  ${contender.name.padEnd(40)} ${pad(m.journal, 8)} ${pad(m.home, 6)} ${pad(total, 6)} ${pad((total / workload.transactions.length).toFixed(1), 11)} ${pad(amplification, 14)}`);
  }
  const saved = Math.round((1 - totals[1] / totals[0]) * 100);
  console.log(`  metadata journaling writes ${Math.abs(saved)}% ${saved >= 0 ? "fewer" : "more"} blocks\n`);
}
