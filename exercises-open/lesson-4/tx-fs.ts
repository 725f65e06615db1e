/**
 * Lesson 4 · journaling with transaction IDs and checkpoints, open mode (the challenge track).
 *
 * Read lessons/lesson-4/README.md first. This skeleton gives you only the public API,
 * the disk and the validation the contract fixes. The on-disk format (superblock,
 * journal, home region, how a transaction is recorded) and the whole protocol (commit,
 * checkpoint, recovery) are yours to design. The hidden tests are the guided track's:
 * they use the API below and the disk, never a layout, so any correct design passes. Run
 * `npm run check lesson-4` often and `npm run crash lesson-4` to watch a power cut hit
 * every write. `npm run reset lesson-4` gives back the guided skeleton (backed up first).
 *
 * @example
 * ```ts
 * const fs = TxFS.mount(new SimDisk());
 * const tx = fs.begin();
 * tx.write("b.txt", fs.read("a.txt") ?? "");
 * tx.delete("a.txt");               // a rename: both changes land, or neither
 * const id = tx.commit();           // durable and atomic on return
 * fs.journal.lastTxid;              // id
 * fs.checkpoint();                  // committed work at home, journal empty again
 * ```
 */
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

// ---------------------------------------------------------------------------------------
// The rules the contract fixes (given). The disk (lib/sim-disk.ts) writes one block
// atomically, and a write that returned is durable, in order (the ordered model).

const DEFAULT_JOURNAL_BLOCKS = 64;
/** Contents of at least this many UTF-8 bytes must be accepted; larger ones may be refused. */
const MAX_FILE_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const ENCODER = new TextEncoder();

function checkDisk(disk: SimDisk): void {
  const d = disk as Partial<SimDisk> | null | undefined;
  if (typeof d?.read !== "function" || typeof d.write !== "function" || !Number.isInteger(d.blockSize)) {
    throw new TypeError("TxFS.mount() needs a SimDisk");
  }
}

/**
 * The journal size asked for: a non-number is a TypeError; not a whole number, or below
 * `smallest` (the smallest journal your format can use), a RangeError. A journal too big
 * for the disk must be refused with a RangeError too: that check needs your layout.
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

export class TxFS {
  /** Formats a blank disk (all zeros), or recovers a used one from its journal. */
  static mount(disk: SimDisk, options: TxFSOptions = {}): TxFS {
    // TODO(lesson-4:open-mount): checkDisk, journalBlocksOption. A blank disk gets a journal
    // of journalBlocks blocks; on a used disk the size on disk wins. Recovery leaves every
    // transaction that committed at home, in id order (a later one wins), and nothing else:
    // not an uncommitted transaction's records, not stale blocks of an earlier use of the
    // journal (they may look valid). Ids never go back: the next commit gets an id above
    // every one handed out. A power cut at any write of mount itself leaves a disk that the
    // next mount recovers to the same files and ids; remounting a recovered disk changes
    // nothing. README: "Recovery: scan, replay, stop".
    throw todo("lesson-4:open-mount");
  }

  /** One transaction at a time: begin() throws while another is open. */
  begin(): Transaction {
    // TODO(lesson-4:open-begin): a Transaction. write() and delete() validate at once
    // (checkName, checkContents) and change nothing visible; a write that would need more
    // files than the disk holds throws a RangeError at write(), the transaction staying
    // usable. The last change to a name wins. commit() makes all changes happen together,
    // atomically and durably: a power cut at any of its disk writes leaves, after the next
    // mount, all of them or none, and once it returns all of them survive any crash. It
    // returns the transaction's id; ids rise strictly, an empty transaction gets its own.
    // A full journal makes room without losing committed work; a transaction larger than
    // the whole journal is refused with a RangeError at commit(), changing nothing. Using a
    // transaction after commit() or abort() throws. README: "The commit block is the
    // moment of truth", "Transaction ids".
    throw todo("lesson-4:open-begin");
  }

  read(name: string): string | undefined {
    // TODO(lesson-4:open-read): checkName; what the last committed transaction left.
    throw todo("lesson-4:open-read");
  }

  /** Sorted by code units; a new array on every call. */
  list(): string[] {
    // TODO(lesson-4:open-list): every committed file name.
    throw todo("lesson-4:open-list");
  }

  /** Installs committed work home, then frees the journal. */
  checkpoint(): void {
    // TODO(lesson-4:open-checkpoint): afterwards every committed change is at home and the
    // journal is empty (journal.usedBlocks 0); with nothing to install it is harmless. A
    // power cut at any disk write of a checkpoint loses no committed transaction and
    // reuses no id. README: "Checkpointing: installing and freeing".
    throw todo("lesson-4:open-checkpoint");
  }

  get journal(): { usedBlocks: number; capacityBlocks: number; lastTxid: number } {
    // TODO(lesson-4:open-journal): usedBlocks grows with each commit and is 0 after a
    // checkpoint; capacityBlocks is the journal's size; lastTxid the id of the last
    // committed transaction (0 before any), across remounts too.
    throw todo("lesson-4:open-journal");
  }
}
