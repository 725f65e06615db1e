/**
 * Lesson 5 · checksums and torn writes, open mode (the challenge track).
 *
 * Read lessons/lesson-5/README.md first. Lesson 4's API on a disk with a volatile write
 * cache. This skeleton gives you only the public API, the disk and the validation the
 * contract fixes. The on-disk format (superblock, journal, home region, what a
 * transaction looks like in the journal and what its checksum covers) and the protocol
 * (commit, checkpoint, recovery and where the flushes go) are yours to design. The hidden
 * tests are the guided track's: they use the API below and the disk, and find your
 * journal blocks by watching which blocks commit() writes, never by knowing a layout.
 * Run `npm run check lesson-5` and `npm run crash lesson-5`. `npm run reset lesson-5`
 * gives back the guided skeleton (your file is backed up first).
 *
 * @example
 * ```ts
 * const disk = new SimDisk({ model: "volatile", sectorSize: 64 });
 * const fs = TxFS.mount(disk);
 * const tx = fs.begin();
 * tx.write("a.txt", "hello");
 * tx.commit();                         // durable on return, one flush
 * TxFS.mount(disk.reboot()).recovery;  // { replayed: 1, discarded: 0, reasons: [] }
 * ```
 */
import crc32 from "crc/calculators/crc32";
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";

/** Several writes and deletes that land together at commit(), or not at all. */
export interface Transaction {
  /** Invalid names or contents throw here (validation below), changing nothing. */
  write(name: string, data: string): void;
  delete(name: string): void;
  /** The transaction's id; durable and atomic on return. */
  commit(): number;
  abort(): void;
}

export interface TxFSOptions {
  /** Size of the journal when the disk is formatted; 64 by default. A used disk keeps its own. */
  journalBlocks?: number;
}

/** What the last mount's recovery did with the journal it found. */
export interface RecoveryReport {
  /** Transactions that verified and were installed home. */
  readonly replayed: number;
  /** Transactions found in the journal that were not replayed. */
  readonly discarded: number;
  /** One sentence per discarded transaction, starting "transaction <id>: ". */
  readonly reasons: readonly string[];
}

// ---------------------------------------------------------------------------------------
// The rules the contract fixes (given). The disk (lib/sim-disk.ts, model "volatile"):
// writes sit in a cache until flush(); at a power cut any cached write may be lost, reach
// the media in any order, or arrive torn (some 64-byte sectors new, some old). A single
// sector is never torn. crc32(bytes, previous) continues a running CRC-32.

const DEFAULT_JOURNAL_BLOCKS = 64;
/** Contents of at least this many UTF-8 bytes must be accepted; larger ones may be refused. */
const MAX_FILE_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const ENCODER = new TextEncoder();

function checkDisk(disk: SimDisk): void {
  const d = disk as Partial<SimDisk> | null | undefined;
  if (typeof d?.read !== "function" || typeof d.write !== "function" || typeof d.flush !== "function" || !Number.isInteger(d.blockSize)) {
    throw new TypeError("TxFS.mount() needs a SimDisk");
  }
}

/**
 * The journal size asked for: a non-number is a TypeError; not a whole number, or below
 * `smallest`, a RangeError. A journal too big for the disk, or bigger than one
 * transaction of your format can use, is refused with a RangeError too: that needs your layout.
 */
function journalBlocksOption(options: TxFSOptions, smallest: number): number {
  if (typeof options !== "object" || options === null) throw new TypeError("TxFS.mount() options must be an object");
  const value = options.journalBlocks ?? DEFAULT_JOURNAL_BLOCKS;
  if (typeof value !== "number") throw new TypeError(`journalBlocks must be a number, not ${typeof value}`);
  if (!Number.isInteger(value) || value < smallest) {
    throw new RangeError(`journalBlocks must be a whole number of at least ${smallest}, not ${value}`);
  }
  return value;
}

function checkName(name: string): void {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, not ${typeof name}`);
  if (!NAME.test(name)) throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1-24 of A-Z a-z 0-9 . _ -`);
}

function checkContents(data: string): void {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, not ${typeof data}`);
  const bytes = ENCODER.encode(data).length;
  if (bytes > MAX_FILE_BYTES) throw new RangeError(`file contents of ${bytes} bytes are over the ${MAX_FILE_BYTES}-byte limit`);
}

// ---------------------------------------------------------------------------------------
// The file system: everything below is yours.

/** CRC-32 over the descriptor and then every image, as one stream of bytes. */
export function transactionChecksum(descriptor: Uint8Array, images: readonly Uint8Array[]): number {
  // TODO(lesson-5:open-checksum): the CRC-32 of the descriptor's bytes followed by every
  // image's, as one stream, as an unsigned 32-bit number. What your descriptor holds is
  // your design; any image lost, stale, reordered or torn must change the result.
  // README: "A checksum over the transaction".
  throw todo("lesson-5:open-checksum");
}

export class TxFS {
  /** Formats a blank disk (all zeros), or recovers a used one from its journal. */
  static mount(disk: SimDisk, options: TxFSOptions = {}): TxFS {
    // TODO(lesson-5:open-mount): checkDisk, journalBlocksOption. A blank disk is formatted
    // durably. On a used disk, recovery replays the transactions that verify, in id order,
    // and stops at the first that does not (a block lost, torn, stale or with a flipped
    // bit): the files are then exactly as after the transactions before it. Nothing
    // recovery cannot verify is ever installed, and no id it reports as discarded is handed
    // out again. A power cut at any write or flush of mount, losing, reordering or tearing
    // what was not flushed, leaves a disk the next mount recovers to the same files.
    // README: "Recovery: verify, and stop at the first that does not".
    throw todo("lesson-5:open-mount");
  }

  /** One transaction at a time: begin() throws while another is open. */
  begin(): Transaction {
    // TODO(lesson-5:open-commit): lesson 4's transaction rules (validation at write(), a
    // full disk refused at write(), the last change wins, ids rising strictly, an empty
    // transaction gets its own, too large for the journal: RangeError at commit(), using a
    // finished transaction throws). commit() is durable when it returns, even if the whole
    // write cache is lost right after, and flushes exactly once when it does not first have
    // to make room in a full journal. A power cut at any write or flush before it returns
    // leaves, after the next mount, all of the transaction or none. Between checkpoints,
    // commits write only to the journal. README: "Where the flushes go".
    throw todo("lesson-5:open-commit");
  }

  read(name: string): string | undefined {
    // TODO(lesson-5:open-read): checkName; what the last committed transaction left.
    throw todo("lesson-5:open-read");
  }

  /** Sorted by code units; a new array on every call. */
  list(): string[] {
    // TODO(lesson-5:open-list): every committed file name.
    throw todo("lesson-5:open-list");
  }

  /** Installs committed work home, then frees the journal. */
  checkpoint(): void {
    // TODO(lesson-5:open-checkpoint): once it returns, every committed change is durable at
    // home and the journal is empty (usedBlocks 0). A power cut at any moment of it, the
    // cache losing, reordering or tearing anything not yet flushed, never leaves a disk
    // whose journal is forgotten while a committed change is not durable at home, and
    // never lets an old journal block pass for part of the new journal.
    throw todo("lesson-5:open-checkpoint");
  }

  get journal(): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
    // TODO(lesson-5:open-journal): as in lesson 4.
    throw todo("lesson-5:open-journal");
  }

  get recovery(): RecoveryReport {
    // TODO(lesson-5:open-recovery): what the last mount's recovery did: replayed (0 on a
    // fresh disk), discarded, and one reason per discarded transaction ("transaction <id>: ...").
    throw todo("lesson-5:open-recovery");
  }
}
