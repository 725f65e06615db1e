/**
 * Lesson 10 · both techniques: a copy-on-write file system with an intent log.
 *
 * Read lessons/lesson-10/README.md first. The committed state is lesson 7's copy-on-write
 * tree (without snapshots or reference counts: a block is free when neither the committed
 * tree nor the live log chain holds it). `sync()` switches the root; `fsync(name)` appends
 * one logical record to a log chain that the superblock's `logHead` points at; `mount`
 * replays the chain and switches to a new root. The formats are lib/cow-layout.ts (the
 * tree) and lib/intent-log-layout.ts (superblock, log blocks, records). Files in memory,
 * the tree's copy-on-write commit and the allocator are written below. You write the
 * three TODOs, then run `npm run check lesson-10`.
 *
 * @example
 * ```ts
 * const fs = IntentLogFS.mount(new SimDisk());
 * fs.write("notes.txt", "hello");
 * fs.fsync("notes.txt");      // one log block and one flush: survives a power cut now
 * fs.write("draft.txt", "x"); // in memory only
 * fs.sync();                  // a new root holding both; the log starts over
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import {
  SUPERBLOCK_SLOTS,
  BUCKETS,
  bucketOf,
  checkName,
  decodeContents,
  decodeInode,
  decodeLeaf,
  decodeRoot,
  encodeContents,
  encodeInode,
  encodeLeaf,
  encodeRoot,
  maxFileBlocks,
  sameBlock,
  slotFor,
  splitBlocks,
} from "../../lib/cow-layout.ts";
import {
  decodeLogBlock,
  decodeLogSuperblock,
  decodeRecord,
  encodeLogBlock,
  encodeLogSuperblock,
  encodeRecord,
  joinPayloads,
  splitPayload,
  type LogSuperblock,
} from "../../lib/intent-log-layout.ts";
import { todo } from "../../lib/todo.ts";

/** A file's new contents, or null for a deletion. */
type Change = Uint8Array | null;

/** The live log chain of the committed generation. */
interface Chain {
  /** Blocks holding this generation's records, in order: live until the next switch. */
  readonly blocks: number[];
  /** Where the next log block goes (the superblock's head, or the last block's `next`). */
  next: number;
  /** Sequence number of the last block written (0: none yet). */
  sequence: number;
}

export class IntentLogFS {
  readonly #disk: SimDisk;
  /** The committed superblock. */
  #sb: LogSuperblock;
  /** Changes since the committed tree, in memory; what reads see on top of the tree. */
  readonly #dirty = new Map<string, Change>();
  /** Names whose current change is already in the log. */
  readonly #logged = new Set<string>();
  /** Blocks the committed tree reaches. */
  #tree: Set<number>;
  #chain: Chain;
  /** Blocks taken by the operation in progress. */
  readonly #fresh = new Set<number>();

  private constructor(disk: SimDisk, sb: LogSuperblock) {
    this.#disk = disk;
    this.#sb = sb;
    this.#tree = this.#reachable(sb.root);
    this.#chain = { blocks: [], next: sb.logHead, sequence: 0 };
  }

  /** Formats a blank disk; otherwise mounts the newest valid superblock, replays its log and switches to a new root. */
  static mount(disk: SimDisk): IntentLogFS {
    const slots = SUPERBLOCK_SLOTS.map((slot) => disk.read(slot));
    if (slots.every((bytes) => bytes.every((b) => b === 0))) return IntentLogFS.#format(disk);
    const sb = pickSuperblock(slots);
    if (sb.blocks !== disk.blocks || sb.blockSize !== disk.blockSize) {
      throw new RangeError(`the file system was made for ${sb.blocks} blocks of ${sb.blockSize} bytes, not this disk's ${disk.blocks} × ${disk.blockSize}`);
    }
    const fs = new IntentLogFS(disk, sb);
    fs.#replay();
    // Btrfs commits a transaction after replaying its log tree: the replayed state gets a
    // root, and the next chain starts in a new generation, so no leftover block of a
    // crashed fsync can ever pass for a link of it.
    fs.sync();
    return fs;
  }

  static #format(disk: SimDisk): IntentLogFS {
    if (disk.blocks > 0xffff || disk.blocks < 8 || disk.blockSize < 64 || disk.blockSize % 2 !== 0) {
      throw new RangeError(`a disk of ${disk.blocks} blocks of ${disk.blockSize} bytes cannot hold this file system`);
    }
    const root = SUPERBLOCK_SLOTS.length;
    disk.write(root, encodeRoot(new Array(BUCKETS).fill(0), disk.blockSize), "root node (empty)");
    const sb: LogSuperblock = { generation: 1, blocks: disk.blocks, blockSize: disk.blockSize, root, logHead: root + 1 };
    disk.flush();
    disk.write(slotFor(1), encodeLogSuperblock(sb), "superblock slot 1 (generation 1)");
    disk.flush();
    return new IntentLogFS(disk, sb);
  }

  /** Changes the file in memory; durable at the next fsync(name) or sync(). */
  write(name: string, data: string): void {
    checkName(name);
    const bytes = encodeContents(data);
    const max = maxFileBlocks(this.#disk.blockSize) * this.#disk.blockSize;
    if (bytes.length > max) throw new RangeError(`${name}: ${bytes.length} bytes is more than a file can hold (${max})`);
    this.#change(name, bytes);
  }

  /** Deletes the file in memory; false when there was no such file. */
  delete(name: string): boolean {
    const existed = this.read(name) !== undefined;
    this.#change(name, null);
    return existed;
  }

  read(name: string): string | undefined {
    checkName(name);
    if (this.#dirty.has(name)) {
      const change = this.#dirty.get(name)!;
      return change === null ? undefined : decodeContents(change);
    }
    return this.#readTree(name);
  }

  list(): string[] {
    const names = new Set(this.#treeNames());
    for (const [name, change] of this.#dirty) {
      if (change === null) names.delete(name);
      else names.add(name);
    }
    return [...names].sort();
  }

  /** The file's current state (contents or absence) is durable on return: one log record, one barrier. */
  fsync(name: string): void {
    checkName(name);
    if (!this.#dirty.has(name) || this.#logged.has(name)) return; // already durable
    const pieces = splitPayload(encodeRecord({ name, data: this.#dirty.get(name)! }), this.#disk.blockSize);
    // A chain holds its blocks until the next switch: past a quarter of the disk, a switch
    // (which makes this file durable too) leaves the free space to the trees.
    if (this.#chain.blocks.length + pieces.length > this.#disk.blocks / 4) return this.sync();
    // TODO(lesson-10:fsync): append `pieces` (one record, in order) to this generation's chain,
    // so that once fsync returns, a power cut at any later moment leaves a chain that the
    // next mount walks from the superblock's logHead to this record, whole; and a power cut
    // before it returns leaves either the chain as it was or with the record whole, never a
    // part of it taken for a record. Each block names the block its successor will go to
    // (this.#allocate() gives a free one and keeps it in this.#fresh until you clear that; it
    // throws a RangeError when the disk is full, and then a sync() makes the file durable
    // instead, once the blocks this record took are free again). Write no block the committed tree
    // or the live chain uses, and no superblock: cheap is the point (one barrier). Afterwards
    // this.#chain describes the chain on disk and the name is in this.#logged.
    // README: "The intent log" and "What fsync costs".
    void pieces;
    throw todo("lesson-10:fsync");
  }

  /** Every change is durable on return: one root switch, after which the log starts over. */
  sync(): void {
    try {
      const root = this.#dirty.size === 0 ? this.#sb.root : this.#copyPath();
      this.#switchRoot(root);
    } finally {
      this.#fresh.clear();
    }
  }

  /** Walks this generation's chain from the superblock's head and applies every complete record, in order. */
  #replay(): void {
    // TODO(lesson-10:replay): put into this.#dirty, in chain order, every record of this
    // generation's chain that an fsync made durable, and nothing else: the chain starts at
    // this.#sb.logHead and ends at the first block that is torn or never written (its
    // checksum), of another generation, or out of sequence; a record whose blocks did not
    // all arrive is not applied. Leave this.#chain naming the blocks of the chain you walked
    // (they stay live until the switch that mount makes next) and where it would go on.
    // Replay writes nothing, so a power cut during the mount that follows replays again.
    // README: "Replay".
    throw todo("lesson-10:replay");
  }

  /** The commit point: the new tree is on disk, then one superblock write starts the next generation and its empty chain. */
  #switchRoot(root: number): void {
    // TODO(lesson-10:switch-root): make the tree under `root` the committed state with one
    // superblock write into the slot of its generation (one more than the committed one), as
    // in lesson 7: a power cut at any moment, losing or reordering any write not yet
    // flushed, leaves the next mount on the old state with its chain or on the new one,
    // whole; once this returns, the new state is durable. The switch also makes the
    // current chain obsolete: nothing of it, nor of any older chain, may ever be replayed
    // onto the new root, and the next fsync starts a new chain where the new superblock
    // says (this.#allocate() gives a block neither tree uses). Then this.#sb, this.#dirty,
    // this.#logged, this.#tree (this.#reachable) and this.#chain describe the new state.
    // README: "Obsolete by generation".
    throw todo("lesson-10:switch-root");
  }

  #change(name: string, change: Change): void {
    this.#dirty.set(name, change);
    this.#logged.delete(name);
  }

  /** Writes the changed files and a new copy of every node above them; returns the new root. */
  #copyPath(): number {
    const buckets = decodeRoot(this.#disk.read(this.#sb.root));
    for (const [bucket, names] of groupByBucket(this.#dirty.keys())) {
      const entries = new Map(buckets[bucket] === 0 ? [] : decodeLeaf(this.#disk.read(buckets[bucket])).map((e) => [e.name, e.inode] as const));
      for (const name of names) {
        const data = this.#dirty.get(name)!;
        if (data === null) entries.delete(name);
        else entries.set(name, this.#writeFile(name, data, entries.get(name)));
      }
      const leaf = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, inode]) => ({ name, inode }));
      buckets[bucket] = leaf.length === 0 ? 0 : this.#writeBlock(encodeLeaf(leaf, this.#disk.blockSize), `directory leaf ${bucket}`);
    }
    return this.#writeBlock(encodeRoot(buckets, this.#disk.blockSize), "root node");
  }

  /** Data blocks (only those that differ from the old file's) and a new inode. */
  #writeFile(name: string, data: Uint8Array, oldInode: number | undefined): number {
    const old = oldInode === undefined ? [] : decodeInode(this.#disk.read(oldInode)).blocks;
    const pieces = splitBlocks(data, this.#disk.blockSize);
    const blocks = pieces.map((piece, i) =>
      i < old.length && sameBlock(piece, this.#disk.read(old[i])) ? old[i] : this.#writeBlock(piece, `data block ${i + 1} of ${pieces.length} of ${name}`),
    );
    return this.#writeBlock(encodeInode({ size: data.length, blocks }, this.#disk.blockSize), `inode of ${name}`);
  }

  #writeBlock(bytes: Uint8Array, label: string): number {
    const block = this.#allocate();
    this.#disk.write(block, bytes, label);
    return block;
  }

  /** The lowest block that neither the committed tree, the live chain nor the operation in progress uses. */
  #allocate(): number {
    const chain = new Set([...this.#chain.blocks, this.#chain.next]);
    for (let block = SUPERBLOCK_SLOTS.length; block < this.#disk.blocks; block++) {
      if (!this.#tree.has(block) && !chain.has(block) && !this.#fresh.has(block)) {
        this.#fresh.add(block);
        return block;
      }
    }
    throw new RangeError(`the disk is full (${this.#disk.blocks} blocks)`);
  }

  /** Every block the tree under `root` reaches, the root included. */
  #reachable(root: number): Set<number> {
    const blocks = new Set([root]);
    for (const leaf of decodeRoot(this.#disk.read(root))) {
      if (leaf === 0) continue;
      blocks.add(leaf);
      for (const { inode } of decodeLeaf(this.#disk.read(leaf))) {
        blocks.add(inode);
        for (const data of decodeInode(this.#disk.read(inode)).blocks) blocks.add(data);
      }
    }
    return blocks;
  }

  #readTree(name: string): string | undefined {
    const leaf = decodeRoot(this.#disk.read(this.#sb.root))[bucketOf(name)];
    if (leaf === 0) return undefined;
    const entry = decodeLeaf(this.#disk.read(leaf)).find((e) => e.name === name);
    if (entry === undefined) return undefined;
    const inode = decodeInode(this.#disk.read(entry.inode));
    const bytes = new Uint8Array(inode.blocks.length * this.#disk.blockSize);
    inode.blocks.forEach((block, i) => bytes.set(this.#disk.read(block), i * this.#disk.blockSize));
    return decodeContents(bytes.subarray(0, inode.size));
  }

  #treeNames(): string[] {
    return decodeRoot(this.#disk.read(this.#sb.root))
      .filter((leaf) => leaf !== 0)
      .flatMap((leaf) => decodeLeaf(this.#disk.read(leaf)).map((e) => e.name));
  }
}

/** The valid superblock with the higher generation: the last completed switch. */
function pickSuperblock(slots: readonly Uint8Array[]): LogSuperblock {
  const valid = slots.map(decodeLogSuperblock).filter((sb): sb is LogSuperblock => sb !== undefined);
  if (valid.length === 0) throw new Error("no valid superblock: both slots fail their checksum, so this is not a disk this file system can mount");
  return valid.reduce((a, b) => (b.generation > a.generation ? b : a));
}

function groupByBucket(names: Iterable<string>): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const name of names) {
    const bucket = bucketOf(name);
    groups.set(bucket, [...(groups.get(bucket) ?? []), name]);
  }
  return groups;
}
