/**
 * `npm run bench lesson-12` — what an I/O error costs, measured on lesson 12's reference
 * solution: a workload of 40 one-file commits (with the checkpoints a 16-block journal
 * forces) is run once per write and once per flush of it, with that write or flush
 * refused; one more commit is tried after the one that met the error, then the power
 * fails (the write cache is lost) and the disk is mounted again. Three policies are compared, all on the same file system: abort the
 * journal (the reference), retry a failed flush once and go on (a disk whose flush()
 * retries), and ignore the error and go on (ext4's errors=continue, a disk that swallows
 * it). Counted per policy: commits that returned but are missing after the reboot, commits
 * refused after the error, disk writes issued after the error, and the recovery work of
 * the next mount; then, for the retry policy, which flushes lose a returned commit, by what
 * the flush was making durable. Prints tables; asserts nothing.
 *
 *   npm run bench lesson-12
 */
import { IOError, SimDisk } from "../lib/sim-disk.ts";
import type { SimDiskOptions } from "../lib/sim-disk.ts";
import { TxFS } from "../solutions/lesson-12/tx-fs.ts";

const COMMITS = 40;
const JOURNAL_BLOCKS = 16;
const DISK: SimDiskOptions = { blocks: 128, model: "volatile", sectorSize: 64 };

type Policy = "abort the journal (reference)" | "retry the flush once" | "ignore the error";

/** A disk whose flush() retries once after an IOError: the application that retries fsync. */
class RetryingDisk extends SimDisk {
  override flush(): void {
    try {
      super.flush();
    } catch (error) {
      if (!(error instanceof IOError)) throw error;
      super.flush();
    }
  }
}

/** A disk that swallows I/O errors: errors=continue. */
class IgnoringDisk extends SimDisk {
  override write(block: number, data: Uint8Array, label = ""): void {
    try {
      super.write(block, data, label);
    } catch (error) {
      if (!(error instanceof IOError)) throw error;
    }
  }
  override flush(): void {
    try {
      super.flush();
    } catch (error) {
      if (!(error instanceof IOError)) throw error;
    }
  }
}

function newDisk(policy: Policy): SimDisk {
  if (policy === "retry the flush once") return new RetryingDisk(DISK);
  if (policy === "ignore the error") return new IgnoringDisk(DISK);
  return new SimDisk(DISK);
}

interface PointResult {
  returnedButLost: number;
  refused: number;
  writesAfterError: number;
  replayed: number;
  discarded: number;
  recoveryWrites: number;
}

/** One run with the fault armed, a power cut after it, and the next mount. */
function runPoint(policy: Policy, fault: "write" | "flush" | "none", at: number): PointResult & { writes: number; flushes: number } {
  const disk = newDisk(policy);
  const fs = TxFS.mount(disk, { journalBlocks: JOURNAL_BLOCKS });
  const formatting = { writes: disk.writes, flushes: disk.flushes };
  if (fault === "write") disk.failWriteAfter(at);
  if (fault === "flush") disk.failFlushAfter(at);
  const returned: string[] = [];
  let refused = 0;
  let writesAtError: number | undefined;
  let errorStep: number | undefined;
  for (let i = 0; i < COMMITS && (errorStep === undefined || i <= errorStep + 1); i++) {
    const errorsBefore = disk.ioErrors;
    try {
      const tx = fs.begin();
      tx.write(`f${i % 12}`, `version ${i}`);
      tx.commit();
      returned.push(`f${i % 12}=version ${i}`);
    } catch {
      refused += 1;
    }
    if (errorStep === undefined && disk.ioErrors > errorsBefore) {
      errorStep = i;
      writesAtError = disk.writes;
    }
  }
  const after = disk.reboot({ reached: [] });
  const again = TxFS.mount(after);
  const latest = new Map(returned.map((r) => r.split("=") as [string, string]));
  const returnedButLost = [...latest].filter(([name, data]) => again.read(name) !== data).length;
  return {
    returnedButLost,
    refused,
    writesAfterError: writesAtError === undefined ? 0 : disk.writes - writesAtError,
    replayed: again.recovery.replayed,
    discarded: again.recovery.discarded,
    recoveryWrites: after.writes,
    // Faults are armed after mount: count what the workload itself does.
    writes: disk.writes - formatting.writes,
    flushes: disk.flushes - formatting.flushes,
  };
}

function summarize(policy: Policy, fault: "write" | "flush") {
  const clean = runPoint("abort the journal (reference)", "none", 0);
  const count = fault === "write" ? clean.writes : clean.flushes;
  const results = Array.from({ length: count }, (_, at) => runPoint(policy, fault, at));
  const mean = (pick: (r: PointResult) => number) => (results.reduce((n, r) => n + pick(r), 0) / results.length).toFixed(1);
  return {
    policy,
    "refused": `every ${fault} (${count})`,
    "points losing a returned commit": results.filter((r) => r.returnedButLost > 0).length,
    "returned commits lost (mean)": mean((r) => r.returnedButLost),
    "commits refused (mean)": mean((r) => r.refused),
    "writes after the error (mean)": mean((r) => r.writesAfterError),
    "recovery: replayed / discarded / writes (mean)": `${mean((r) => r.replayed)} / ${mean((r) => r.discarded)} / ${mean((r) => r.recoveryWrites)}`,
  };
}

const clean = runPoint("abort the journal (reference)", "none", 0);
console.log(`${COMMITS} one-file commits, ${JOURNAL_BLOCKS}-block journal: ${clean.writes} writes and ${clean.flushes} flushes after the mount that formats, without a fault.`);
console.log("Each write (then each flush) is refused in turn; one more commit is tried, then a power cut loses the write cache and the disk is mounted again.\n");
const policies: Policy[] = ["abort the journal (reference)", "retry the flush once", "ignore the error"];
console.table((["write", "flush"] as const).flatMap((fault) => policies.map((p) => summarize(p, fault))));

/** What each flush after the formatting mount makes durable, named by the write just before it. */
function flushKinds(): string[] {
  const disk = new SimDisk(DISK);
  const fs = TxFS.mount(disk, { journalBlocks: JOURNAL_BLOCKS });
  const formatting = disk.flushes;
  for (let i = 0; i < COMMITS; i++) {
    const tx = fs.begin();
    tx.write(`f${i % 12}`, `version ${i}`);
    tx.commit();
  }
  return disk.flushPoints.slice(formatting).map((writes) => {
    const label = disk.log[writes - 1].label;
    if (label.includes("commit block")) return "a commit";
    if (label.includes("(checkpoint)")) return "a checkpoint's home writes";
    if (label.startsWith("superblock")) return "a checkpoint's superblock";
    return label;
  });
}

const byKind = new Map<string, { flushes: number; losing: number }>();
flushKinds().forEach((kind, at) => {
  const row = byKind.get(kind) ?? { flushes: 0, losing: 0 };
  row.flushes += 1;
  if (runPoint("retry the flush once", "flush", at).returnedButLost > 0) row.losing += 1;
  byKind.set(kind, row);
});
console.log("\nRetrying a failed flush once: which flushes lose a returned commit\n");
console.table([...byKind].map(([kind, row]) => ({ "the flush makes durable": kind, flushes: row.flushes, "losing a returned commit": row.losing })));
