/**
 * Lesson 6 · metadata journaling in ordered mode, with revoke records.
 *
 * Read lessons/lesson-6/README.md first. Mounting, formatting, the Transaction object,
 * reads and the in-memory bookkeeping are written; so is everything about the on-disk
 * format and the namespace (`lib/metadata-fs-layout.ts`: encoders, `readTransaction()`,
 * and `planTransaction()`, which turns a transaction into new metadata block images,
 * file data writes and freed directory blocks). Fill in the four TODOs, then run
 * `npm run check lesson-6`.
 *
 * Lesson 4's transactional file API on an inode file system (`lib/metadata-fs-layout.ts`
 * fixes the format). Only metadata goes through the journal: the changed metadata blocks
 * (bitmap, inode blocks, directory blocks) are journaled, the file data is written
 * straight to its new home blocks, and no committed inode may ever point at a block that
 * does not hold its data yet. A directory block freed by
 * a transaction gets a revoke record, so that recovery never replays an old copy of it
 * over the file data that may live there by then. Recovery replays every committed
 * transaction home (honouring revokes) and empties the journal before mount() returns.
 *
 * @example
 * ```ts
 * const fs = OrderedFS.mount(new SimDisk());
 * const tx = fs.begin();
 * tx.write("notes.txt", "hello");
 * tx.commit();                 // 1: data home, metadata in the journal, durable
 * fs.read("notes.txt");        // "hello"
 * fs.checkpoint();             // metadata home, journal empty
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";
import {
  blockName, checkName, decodeDirBlock, decodeInode, decodeJournalHeader, DEFAULT_JOURNAL_BLOCKS, encodeCommit,
  encodeContents, encodeDescriptor, encodeInode, encodeJournalHeader, encodeRevokeBlock, encodeSuperblock,
  freshBitmap, inodeLocation, MIN_JOURNAL_BLOCKS, planLayout, planTransaction, readLayout, readTransaction,
  ROOT_INODE, transactionLength,
} from "../../lib/metadata-fs-layout.ts";
import type { FileOp, Inode, JournalTransaction, Layout, TransactionPlan } from "../../lib/metadata-fs-layout.ts";

export interface Transaction {
  write(name: string, data: string): void;
  delete(name: string): void;
  /** The transaction's id; durable and atomic on return. */
  commit(): number;
  abort(): void;
}

export interface JournalInfo {
  readonly usedBlocks: number;
  readonly capacityBlocks: number;
  readonly lastTxid: number;
}

export class OrderedFS {
  readonly #disk: SimDisk;
  readonly #layout: Layout;
  /** Committed images of the metadata blocks: bitmap, inode blocks, directory blocks. */
  readonly #meta = new Map<number, Uint8Array>();
  /** Metadata committed to the journal but not yet home: what checkpoint() writes. */
  readonly #pending = new Map<number, { image: Uint8Array; name: string }>();
  #usedBlocks = 0;
  #lastTxid = 0;

  private constructor(disk: SimDisk, layout: Layout) {
    this.#disk = disk;
    this.#layout = layout;
  }

  /** Formats an empty disk; on a used one, recovers (replays the journal home) first. */
  static mount(disk: SimDisk, options: { journalBlocks?: number } = {}): OrderedFS {
    const journalBlocks = options.journalBlocks ?? DEFAULT_JOURNAL_BLOCKS;
    if (!Number.isInteger(journalBlocks) || journalBlocks < MIN_JOURNAL_BLOCKS) {
      throw new RangeError(`journalBlocks must be a whole number, at least ${MIN_JOURNAL_BLOCKS}; got ${String(journalBlocks)}`);
    }
    const layout = readLayout(disk) ?? format(disk, journalBlocks);
    const fs = new OrderedFS(disk, layout);
    fs.#recover();
    fs.#load();
    return fs;
  }

  begin(): Transaction {
    const ops: FileOp[] = [];
    let state: "open" | "committed" | "aborted" = "open";
    const open = () => {
      if (state !== "open") throw new Error(`this transaction was already ${state}; begin() a new one`);
    };
    return {
      write: (name, data) => {
        open();
        checkName(name);
        ops.push({ kind: "write", name, bytes: encodeContents(this.#layout, name, data) });
      },
      delete: (name) => {
        open();
        ops.push({ kind: "delete", name: checkName(name) });
      },
      commit: () => {
        open();
        const txid = this.#commit(ops);
        state = "committed";
        return txid;
      },
      abort: () => {
        open();
        state = "aborted";
      },
    };
  }

  read(name: string): string | undefined {
    const inode = this.#lookup(checkName(name));
    if (inode === undefined) return undefined;
    const bytes = new Uint8Array(inode.blocks.length * this.#layout.blockSize);
    inode.blocks.forEach((block, i) => bytes.set(this.#disk.read(block), i * this.#layout.blockSize));
    return new TextDecoder().decode(bytes.subarray(0, inode.size));
  }

  list(): string[] {
    return this.#entries().map((e) => e.name).sort();
  }

  get journal(): JournalInfo {
    return { usedBlocks: this.#usedBlocks, capacityBlocks: this.#layout.journalBlocks, lastTxid: this.#lastTxid };
  }

  /** Installs committed metadata home and empties the journal. */
  checkpoint(): void {
    // TODO(lesson-6:checkpoint): once it returns, every committed metadata image
    // (this.#pending) is durable at its home block and the journal is empty, on disk
    // (this.#truncateJournal("checkpoint")) and in memory (#pending, #usedBlocks); an empty
    // journal needs nothing. A power cut at any moment, losing any write not yet flushed, must
    // lose no committed metadata. Label home writes (e.g. `checkpoint: ${name} home`).
    // README: "Checkpoint".
    throw todo("lesson-6:checkpoint");
  }

  #commit(ops: readonly FileOp[]): number {
    const plan = planTransaction(this.#layout, this.#meta, ops);
    const length = transactionLength(plan.metadata.size, plan.freedMetadata.length);
    if (length > this.#layout.journalBlocks) {
      throw new RangeError(`this transaction needs ${length} journal blocks; the whole journal has ${this.#layout.journalBlocks}`);
    }
    if (this.#usedBlocks + length > this.#layout.journalBlocks) this.checkpoint();
    const txid = this.#lastTxid + 1;
    const revokes = this.#revoke(plan);
    this.#writeOrdered(plan, txid, revokes);
    this.#install(plan, txid, length);
    return txid;
  }

  /** Ordered mode: the file data at home, the metadata copies and the commit block in the journal. */
  #writeOrdered(plan: TransactionPlan, txid: number, revokes: readonly number[]): void {
    // TODO(lesson-6:ordered-commit): write transaction `txid` so that recovery finds it
    // committed only when everything it vouches for is durable: its journal blocks
    // (encodeDescriptor of plan.metadata's home blocks, each image, encodeRevokeBlock when
    // there are revokes; the first at disk block this.#layout.journalStart + this.#usedBlocks)
    // and the file data of plan.dataWrites at home. A power cut at any moment, losing or
    // reordering any write not yet flushed, must never leave a committed inode that points at
    // a block not holding its data; once this returns, the transaction is durable. Labels:
    // `${write.label} (tx ${txid})` for data, plan.names for metadata. #install() updates
    // #usedBlocks and #lastTxid after you return. README: "Ordered mode".
    throw todo("lesson-6:ordered-commit");
  }

  /** The blocks to revoke: every metadata block the plan frees, forgotten by checkpoint too. Runs before #writeOrdered(). */
  #revoke(plan: TransactionPlan): number[] {
    if (plan.freedMetadata.length === 0) return [];
    // TODO(lesson-6:revoke): return the blocks of plan.freedMetadata: each is freed now
    // and may hold a file's data soon, so no later replay may write an old copy of it home,
    // and neither may checkpoint() (this.#pending may still hold one). README: "Block reuse"
    // and "Revoke records".
    throw todo("lesson-6:revoke");
  }

  /** The committed transaction becomes the in-memory truth. */
  #install(plan: TransactionPlan, txid: number, length: number): void {
    for (const block of plan.freedMetadata) this.#meta.delete(block);
    for (const [home, image] of plan.metadata) {
      this.#meta.set(home, image);
      this.#pending.set(home, { image, name: plan.names.get(home) ?? blockName(this.#layout, home) });
    }
    this.#usedBlocks += length;
    this.#lastTxid = txid;
  }

  /** Replays every committed transaction home, skipping revoked copies, and empties the journal. */
  #recover(): void {
    const first = decodeJournalHeader(this.#disk.read(this.#layout.journalHeader));
    const committed = this.#scanJournal(first);
    this.#lastTxid = first - 1 + committed.length;
    if (committed.length === 0) return;
    // TODO(lesson-6:recover): afterwards each home block holds the newest committed copy
    // of it that no committed transaction with an id >= that copy's revokes (copy i of `tx`
    // is tx.copies[i], for home block tx.homeBlocks[i]), durably, and the journal is empty
    // (this.#truncateJournal("recovery")). A power cut at any moment of recovery itself must
    // leave a disk that the next mount recovers to the same state. README: "Recovery".
    throw todo("lesson-6:recover");
  }

  /** The committed transactions in the journal, in id order, up to the first that is missing or incomplete. */
  #scanJournal(firstTxid: number): JournalTransaction[] {
    const found: JournalTransaction[] = [];
    let position = 0;
    for (let txid = firstTxid; ; txid++) {
      const tx = readTransaction(this.#disk, this.#layout, position, txid);
      if (!tx) return found;
      found.push(tx);
      position += tx.length;
    }
  }

  /** Points the journal header past the last committed id: old blocks no longer match. */
  #truncateJournal(why: string): void {
    const next = this.#lastTxid + 1;
    this.#disk.write(this.#layout.journalHeader, encodeJournalHeader(next), `${why}: journal header, empty, next tx ${next}`);
    this.#disk.flush();
  }

  /** Reads the home metadata into the cache (after recovery, home is the truth). */
  #load(): void {
    const { bitmapBlock, inodeStart, inodeBlocks } = this.#layout;
    for (const block of [bitmapBlock, ...Array.from({ length: inodeBlocks }, (_, i) => inodeStart + i)]) {
      this.#meta.set(block, this.#disk.read(block));
    }
    for (const block of this.#inode(ROOT_INODE).blocks) this.#meta.set(block, this.#disk.read(block));
  }

  #inode(n: number): Inode {
    const { block, offset } = inodeLocation(this.#layout, n);
    const inode = decodeInode(this.#meta.get(block)!, offset);
    if (inode.kind === "corrupt") throw new Error(`inode ${n} is corrupt: ${inode.why}`);
    return inode;
  }

  #entries(): { name: string; inode: number }[] {
    return this.#inode(ROOT_INODE).blocks.flatMap((block) => decodeDirBlock(this.#layout, this.#meta.get(block)!));
  }

  #lookup(name: string): Inode | undefined {
    const entry = this.#entries().find((e) => e.name === name);
    return entry === undefined ? undefined : this.#inode(entry.inode);
  }
}

/** Writes an empty file system; the superblock goes last, so a crash mid-format leaves block 0 zero. */
function format(disk: SimDisk, journalBlocks: number): Layout {
  const layout = planLayout(disk, journalBlocks);
  disk.write(layout.bitmapBlock, freshBitmap(layout), "format: bitmap");
  for (let i = 0; i < layout.inodeBlocks; i++) {
    const image = new Uint8Array(layout.blockSize);
    if (i === 0) encodeInode(image, inodeLocation(layout, ROOT_INODE).offset, { kind: "directory", size: 0, blocks: [] });
    disk.write(layout.inodeStart + i, image, `format: inode block ${i}`);
  }
  disk.write(layout.journalHeader, encodeJournalHeader(1), "format: journal header, empty, next tx 1");
  disk.flush();
  disk.write(0, encodeSuperblock(layout), "format: superblock");
  disk.flush();
  return layout;
}
