/**
 * Lesson 5's integrity promises, as tests that take the TxFS to test: journal blocks that
 * reached the disk torn, lost or with a flipped bit are never replayed; replay stops at
 * the first transaction that does not verify; and recovery says what it discarded and
 * why. The tests find the journal blocks by watching which blocks commit() writes (the
 * contract: between checkpoints, commits write only to the journal), never by knowing
 * the layout. Lesson 5 runs them on its TxFS, and lesson 12 on its own.
 *
 * @example
 * ```ts
 * import { TxFS } from "@impl/lesson-5/tx-fs.ts";
 * journalIntegrityTests(TxFS);
 * ```
 */
import { describe, expect, test } from "vitest";
import { CrashError } from "../../lib/sim-disk.ts";
import type { DiskWrite, SimDisk } from "../../lib/sim-disk.ts";
import { commit, describeState, filesOf, modelStates, remove, runOperation, stateName, whichState, write } from "./transactions.ts";
import type { Files, Operation, TxFSClass } from "./transactions.ts";
import { volatileDisk, type RecoveringFS } from "./write-cache-api.ts";

export function journalIntegrityTests(TxFS: TxFSClass<RecoveringFS>): void {
  const long = (tag: string) => (tag + "|").repeat(1000).slice(0, 1000);

  /** Three transactions, each changing what the one before wrote, so every prefix looks different. */
  const operations: Operation[] = [
    commit(write("a.txt", "one"), write("big", long("big v1"))),
    commit(write("b.txt", "two"), write("big", long("big v2")), remove("a.txt")),
    commit(write("a.txt", "three"), write("c.txt", "three")),
  ];
  const states = modelStates(operations);

  interface Committed {
    disk: SimDisk;
    ids: number[];
    /** The writes each commit made, by transaction. */
    writes: DiskWrite[][];
  }

  /** Commits the three transactions (no checkpoint): their only copy is in the journal. */
  function commitAll(): Committed {
    const disk = volatileDisk();
    const fs = TxFS.mount(disk);
    const ids: number[] = [];
    const writes: DiskWrite[][] = [];
    for (const op of operations) {
      const before = disk.writes;
      ids.push(runOperation(fs, op)!);
      writes.push(disk.log.slice(before));
    }
    return { disk, ids, writes };
  }

  /** A copy of the disk with one bit flipped in `block`, after a clean reboot. */
  function withFlippedBit(disk: SimDisk, block: number, byte: number, bit: number): SimDisk {
    const copy = disk.reboot();
    const bytes = copy.read(block);
    bytes[byte] ^= 1 << bit;
    copy.write(block, bytes);
    return copy.reboot();
  }

  /** Byte positions to damage in a write of `length` bytes: both ends and some between. */
  function positions(length: number): number[] {
    const picks = [0, 1, 4, 8, 12, 13, 17, 31, 100, 257, 511, length - 1].filter((p) => p < length);
    return [...new Set(picks)];
  }

  function label(files: Files): string {
    return JSON.stringify(Object.fromEntries([...files].map(([n, d]) => [n, d.length > 12 ? d.slice(0, 9) + "…" : d])));
  }

  /** The id a reason names ("transaction 7: ..."), or NaN. */
  function idOf(reason: string): number {
    return Number(/^transaction (\d+): \S/.exec(reason)?.[1]);
  }

  /**
   * Demands: all three transactions, or exactly those before transaction m, with a report
   * that is consistent. Damage that leaves transaction m unrecognisable (its only header
   * block hit) may simply end the journal there: recovery then found nothing to discard.
   */
  function expectPrefix(fs: RecoveringFS, m: number, id: number, what: string): "intact" | "stopped" | "reported" {
    const state = whichState(fs, states);
    const { discarded, reasons } = fs.recovery;
    if (state === 3 && discarded === 0) return "intact";
    if (state === m) {
      expect(reasons.length, `${what}: one reason per discarded transaction`).toBe(discarded);
      if (discarded === 0) return "stopped";
      expect(idOf(reasons[0]), `${what}: the first reason, ${JSON.stringify(reasons[0])}, names transaction ${id} or a later one`).toBeGreaterThanOrEqual(id);
      return "reported";
    }
    const got = describeState(fs, states);
    throw new Error(
      `${what}: expected the files after all 3 transactions (with nothing discarded) or exactly those after the first ${m} ` +
        `(${label(states[m])}), replay stopping at transaction ${id}; got ${got}, recovery ${JSON.stringify(fs.recovery)}`,
    );
  }

  describe("a flipped bit in a journal block", () => {
    test("is never replayed: recovery keeps the transactions before it and reports the damaged one", () => {
      const { disk, ids, writes } = commitAll();
      let reported = 0;
      writes.forEach((txWrites, m) => {
        for (const w of txWrites) {
          for (const byte of positions(w.bytes)) {
            const what = `bit ${byte % 8} of byte ${byte} flipped in write ${w.index} (block ${w.block}) of transaction ${ids[m]}`;
            const fs = TxFS.mount(withFlippedBit(disk, w.block, byte, byte % 8));
            if (expectPrefix(fs, m, ids[m], what) === "reported") reported++;
          }
        }
      });
      expect(reported, "damaged transactions recovery found, discarded and reported").toBeGreaterThan(0);
    });

    test("stops replay at the first transaction that does not verify, even when later ones do", () => {
      const { disk, ids, writes } = commitAll();
      // Damage the middle of every block transaction 2 wrote, one block at a time.
      for (const w of writes[1]) {
        const byte = Math.floor(w.bytes / 2);
        const fs = TxFS.mount(withFlippedBit(disk, w.block, byte, 3));
        const state = describeState(fs, states);
        if (state === stateName(3)) continue; // the flip hit a byte that changes nothing
        expect(state, `after damage to write ${w.index} of transaction ${ids[1]}, the files are those after transaction ${ids[0]} only`).toBe(stateName(1));
        expect(fs.journal.lastTxid).toBe(ids[0]);
        expect(fs.recovery.replayed, "recovery.replayed: only the transaction before the damaged one").toBe(1);
      }
    });
  });

  describe("ids after a discarded transaction", () => {
    test("an id that recovery reports as discarded is never handed out again", () => {
      const { disk, ids, writes } = commitAll();
      let reported = 0;
      // Damage each block the last transaction wrote: when recovery names it as discarded,
      // its id was burnt (a commit returned it, and its blocks are on the disk).
      for (const w of writes[2]) {
        const fs = TxFS.mount(withFlippedBit(disk, w.block, Math.floor(w.bytes / 2), 2));
        // Damage that leaves the transaction unrecognisable ends the journal before it:
        // recovery cannot know its id then, and only lastTxid bounds the next one.
        const named = fs.recovery.reasons.map(idOf).includes(ids[2]);
        if (named) reported++;
        const floor = named ? Math.max(fs.journal.lastTxid, ids[2]) : fs.journal.lastTxid;
        const next = runOperation(fs, commit(write("after.txt", "after the damage")))!;
        expect(next, `after damage to write ${w.index} (block ${w.block}), recovery reported ${JSON.stringify(fs.recovery.reasons)}; the next commit returned ${next}`).toBeGreaterThan(floor);
      }
      expect(reported, "damaged transactions that recovery reported").toBeGreaterThan(0);
    });

    test("also when the discarded transaction was the only one in the journal", () => {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      const before = disk.writes;
      const id = runOperation(fs, operations[0])!;
      const writes = disk.log.slice(before);
      let reported = 0;
      for (const w of writes) {
        const damaged = TxFS.mount(withFlippedBit(disk, w.block, Math.floor(w.bytes / 2), 2));
        const named = damaged.recovery.reasons.map(idOf).includes(id);
        if (named) reported++;
        const floor = named ? Math.max(damaged.journal.lastTxid, id) : damaged.journal.lastTxid;
        const next = runOperation(damaged, operations[1])!;
        expect(next, `after damage to write ${w.index} (block ${w.block}) of the only transaction, recovery reported ${JSON.stringify(damaged.recovery.reasons)}; the next commit returned ${next}`).toBeGreaterThan(floor);
      }
      expect(reported, "damaged transactions that recovery reported").toBeGreaterThan(0);
    });
  });

  describe("a commit that did not finish when the power went", () => {
    /** The first transaction committed, the second's writes in the cache, power cut at its flush. */
    function crashAtSecondFlush(): { disk: SimDisk; pending: readonly DiskWrite[]; id1: number } {
      const disk = volatileDisk();
      const fs = TxFS.mount(disk);
      const id1 = runOperation(fs, operations[0])!;
      disk.crashBeforeFlush(0);
      expect(() => runOperation(fs, operations[1])).toThrow(CrashError);
      return { disk, pending: disk.pending, id1 };
    }

    test("with a torn block (some sectors new, some old) is never replayed", () => {
      const { disk, pending } = crashAtSecondFlush();
      const sectors = disk.blockSize / disk.sectorSize;
      const masks: number[][] = [];
      for (let k = 1; k < sectors; k++) {
        masks.push([...Array(k).keys()], [...Array(k).keys()].map((s) => sectors - k + s), [...Array(sectors).keys()].filter((s) => s % k === 0));
      }
      for (const torn of pending) {
        const others = pending.filter((w) => w !== torn).map((w) => w.index);
        for (const mask of masks) {
          const fs = TxFS.mount(disk.reboot({ reached: others, torn: { index: torn.index, sectors: mask } }));
          const state = describeState(fs, states);
          expect([stateName(1), stateName(2)], `write ${torn.index} (block ${torn.block}) torn, only sectors ${mask.join(",")} new: the files are those after transaction 1 or 2`).toContain(state);
        }
      }
    });

    test("whose commit block arrived without one of its other blocks is discarded, and recovery says so", () => {
      const { disk, pending, id1 } = crashAtSecondFlush();
      expect(pending.length, "writes of the second commit").toBeGreaterThanOrEqual(3);
      let discarded = 0;
      for (const lost of pending.slice(1, -1)) {
        const what = `write ${lost.index} (block ${lost.block}) lost, the others reached the disk`;
        const after = disk.reboot({ reached: pending.filter((w) => w !== lost).map((w) => w.index) });
        const fs = TxFS.mount(after);
        const state = describeState(fs, states);
        // Losing a write that left its block as it was (zeros over zeros) changes nothing.
        if (state === stateName(2) && fs.recovery.discarded === 0) continue;
        expect(state, `${what}: the files are those after transaction ${id1}`).toBe(stateName(1));
        expect(fs.recovery.replayed, `${what}: recovery.replayed`).toBe(1);
        const { discarded: count, reasons } = fs.recovery;
        expect(reasons, `${what}: one reason per discarded transaction`).toHaveLength(count);
        // A lost block that was the transaction's only way to be recognised ends the journal: nothing found to discard.
        if (count > 0) {
          expect(count, `${what}: recovery.discarded`).toBe(1);
          expect(idOf(reasons[0]), `${what}: the discarded id, in ${JSON.stringify(reasons[0])}`).toBeGreaterThan(id1);
          discarded++;
        }
        // Life goes on: a new commit lands, and the discarded one never comes back.
        const id = runOperation(fs, operations[2])!;
        expect(id).toBeGreaterThan(id1);
        const again = TxFS.mount(after.reboot({ reached: [] }));
        expect(Object.fromEntries(filesOf(again)), `${what}, then a new commit and a power cut`).toEqual({ big: long("big v1"), "a.txt": "three", "c.txt": "three" });
      }
      expect(discarded, "incomplete transactions recovery reported").toBeGreaterThan(0);
    });
  });
}
