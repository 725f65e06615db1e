/**
 * Lesson 7 · shadow paging: a copy-on-write file system, open mode (the challenge track).
 *
 * Read lessons/lesson-7/README.md first. This skeleton gives you only the public API, the
 * disk and the validation. The contract fixes the on-disk format, lib/cow-layout.ts (the
 * tests check your disk with lib/cow-fsck.ts), so the format is given; the protocol is
 * yours: where new blocks go, how the reference counts are kept exact, how a commit, a
 * snapshot and a snapshot deletion become durable, what mount believes. The hidden tests
 * are the guided track's. Run `npm run check lesson-7`. `npm run reset lesson-7` gives
 * back the guided skeleton (your file is backed up first).
 *
 * @example
 * ```ts
 * const fs = CowFS.mount(new SimDisk());
 * const tx = fs.begin();
 * tx.write("notes.txt", "hello");
 * tx.commit();                       // 1
 * const before = fs.snapshot();      // keeps the current root
 * fs.readAt(before, "notes.txt");    // "hello", whatever later commits do
 * fs.deleteSnapshot(before);         // frees the blocks only the snapshot used
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";
// The format (given): encoders, decoders and the rules of each block. checkName and
// encodeContents are the contract's validation (TypeError, RangeError).
import {
  MAX_SNAPSHOTS,
  SUPERBLOCK_SLOTS,
  checkName,
  encodeContents,
  maxFileBlocks,
  type Superblock,
} from "../../lib/cow-layout.ts";

export interface Transaction {
  write(name: string, data: string): void;
  /** Deleting a missing file is not an error. */
  delete(name: string): void;
  /** The transaction's id; durable and atomic on return. */
  commit(): number;
  abort(): void;
}

export interface CowStats {
  /** Superblocks, refcount table, and every block a live root (current or snapshot) reaches. */
  blocksInUse: number;
  totalBlocks: number;
}

/** A snapshot id: a non-number is a TypeError, an id no snapshot has a RangeError. */
function checkSnapshotId(snapshot: unknown, ids: readonly number[]): number {
  if (typeof snapshot !== "number") throw new TypeError(`a snapshot id must be a number, got ${typeof snapshot}`);
  if (!ids.includes(snapshot)) throw new RangeError(`no snapshot ${String(snapshot)}; snapshots: ${ids.join(", ") || "none"}`);
  return snapshot;
}

/** The largest contents a file of this format can hold, in bytes. */
function maxFileBytes(blockSize: number): number {
  return maxFileBlocks(blockSize) * blockSize;
}

/** Both superblock slots all zeros: a blank disk. */
function isBlank(disk: SimDisk): boolean {
  return SUPERBLOCK_SLOTS.every((slot) => disk.read(slot).every((b) => b === 0));
}

// ---------------------------------------------------------------------------------------
// The file system: everything below is yours. Given above: checkName, encodeContents,
// checkSnapshotId, maxFileBytes, isBlank, MAX_SNAPSHOTS; in lib/cow-layout.ts the block
// encodings (Superblock, root, leaf, inode, refcount table) and childPointers.

export class CowFS {
  /** Formats a blank disk; otherwise opens the newest valid superblock and writes nothing. */
  static mount(disk: SimDisk): CowFS {
    // TODO(lesson-7:open-mount): a blank disk (isBlank) becomes an empty file system whose
    // format is durable before mount returns. Otherwise the state of the last completed
    // switch: a superblock slot torn or half-written by a power cut never wins, a disk made
    // for another geometry is refused with a RangeError, and with no valid slot mount
    // throws an Error, writing nothing. README: "Two superblocks".
    throw todo("lesson-7:open-mount");
  }

  begin(): Transaction {
    // TODO(lesson-7:open-commit): a Transaction (checkName, encodeContents; more than
    // maxFileBytes a RangeError at write(); the last change to a name wins; a finished
    // transaction throws). commit() makes every change appear together, durably, and
    // returns an id above every earlier one (an empty transaction gets its own). It never
    // overwrites a block the committed state or a snapshot can reach: a power cut at any
    // moment, the cache losing or reordering anything not flushed, leaves the next mount on
    // the old state or the new one, whole, tree and counts. It writes exactly one
    // superblock, last, into the slot of the older one. Unchanged files and buckets are
    // shared, not copied; the refcount table counts exactly the pointers that reach each
    // block. A commit that does not fit throws a RangeError and changes nothing.
    // README: "Copy the path, not the tree", "Reference counts".
    throw todo("lesson-7:open-commit");
  }

  read(name: string): string | undefined {
    // TODO(lesson-7:open-read): checkName; the committed state's contents, or undefined.
    throw todo("lesson-7:open-read");
  }

  /** Sorted; a new array on every call. */
  list(): string[] {
    // TODO(lesson-7:open-list): the committed state's names.
    throw todo("lesson-7:open-list");
  }

  /** Keeps the committed state as a snapshot; durable on return. */
  snapshot(): number {
    // TODO(lesson-7:open-snapshots): a snapshot copies nothing (blocksInUse unchanged) and
    // is frozen: later commits never change what it shows. Ids rise and are never reused;
    // more than MAX_SNAPSHOTS is a RangeError. snapshot() and deleteSnapshot() are as
    // atomic and durable as a commit. README: "Snapshots are kept roots".
    throw todo("lesson-7:open-snapshots");
  }

  /** Snapshot ids, oldest first. */
  snapshots(): number[] {
    // TODO(lesson-7:open-snapshots): see snapshot().
    throw todo("lesson-7:open-snapshots");
  }

  readAt(snapshot: number, name: string): string | undefined {
    // TODO(lesson-7:open-snapshots): checkSnapshotId, checkName.
    throw todo("lesson-7:open-snapshots");
  }

  listAt(snapshot: number): string[] {
    // TODO(lesson-7:open-snapshots): checkSnapshotId; sorted.
    throw todo("lesson-7:open-snapshots");
  }

  /** Drops the snapshot; the blocks only it reached are free again. Durable on return. */
  deleteSnapshot(snapshot: number): void {
    // TODO(lesson-7:open-snapshots): blocks shared with the live tree or another snapshot
    // stay; once every snapshot is gone, blocksInUse equals what a fresh disk holding the
    // same files uses.
    throw todo("lesson-7:open-snapshots");
  }

  stats(): CowStats {
    // TODO(lesson-7:open-stats): blocksInUse counts the superblock slots, the refcount
    // table's blocks and every block reachable from the current root or a snapshot root.
    throw todo("lesson-7:open-stats");
  }
}

