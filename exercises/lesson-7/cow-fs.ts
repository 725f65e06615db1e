/**
 * Lesson 7 · shadow paging: a copy-on-write file system.
 *
 * Read lessons/lesson-7/README.md first. No journal: a commit never overwrites a live
 * block. It writes new copies of the changed blocks and of every node above them, then
 * switches to the new root with one superblock write. Blocks carry reference counts, and
 * a snapshot is a kept root. The on-disk format is lib/cow-layout.ts; the transactions,
 * reads, snapshots' bookkeeping, the allocator and the refcount table are written below.
 * You write the four TODOs, then run `npm run check lesson-7`.
 *
 * @example
 * ```ts
 * const fs = CowFS.mount(new SimDisk());
 * const tx = fs.begin();
 * tx.write("notes.txt", "hello");
 * tx.commit();                       // 1
 * const before = fs.snapshot();      // keeps the current root
 * const tx2 = fs.begin();
 * tx2.write("notes.txt", "changed");
 * tx2.commit();
 * fs.readAt(before, "notes.txt");    // "hello"
 * fs.deleteSnapshot(before);         // frees the blocks only the snapshot used
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";
import {
  CHILD_LEVEL,
  MAX_SNAPSHOTS,
  SUPERBLOCK_SLOTS,
  bucketOf,
  checkName,
  childPointers,
  decodeContents,
  decodeInode,
  decodeLeaf,
  decodeRefTable,
  decodeRoot,
  decodeSuperblock,
  encodeContents,
  encodeInode,
  encodeLeaf,
  encodeRefTablePage,
  encodeRoot,
  encodeSuperblock,
  maxFileBlocks,
  refTableLength,
  refTablePageOf,
  sameBlock,
  slotFor,
  splitBlocks,
  superblockBytes,
  BUCKETS,
  type Level,
  type Superblock,
} from "../../lib/cow-layout.ts";

export interface Transaction {
  write(name: string, data: string): void;
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

/** A file's new contents, or null for a deletion. */
type Changes = Map<string, Uint8Array | null>;

/** What a commit, a snapshot or a snapshot deletion changes in the superblock. */
type NextState = Omit<Superblock, "generation" | "refTable">;

export class CowFS {
  readonly #disk: SimDisk;
  /** The committed superblock: the state every read sees. */
  #sb: Superblock;
  /** Reference counts, changed in place during an update. */
  #refs: Uint16Array;
  /** The counts the committed refcount table holds. */
  #durableRefs: Uint16Array;
  /** Blocks written during the update in progress (not reusable until it ends). */
  readonly #fresh = new Set<number>();
  /** Blocks freed by the update in progress: the committed tree still uses them. */
  readonly #freed = new Set<number>();

  private constructor(disk: SimDisk, sb: Superblock, refs: Uint16Array) {
    this.#disk = disk;
    this.#sb = sb;
    this.#refs = refs;
    this.#durableRefs = refs.slice();
  }

  /** Formats a blank disk; otherwise opens the newest valid superblock. Writes nothing then. */
  static mount(disk: SimDisk): CowFS {
    const slots = SUPERBLOCK_SLOTS.map((slot) => disk.read(slot));
    if (slots.every((bytes) => bytes.every((b) => b === 0))) return CowFS.#format(disk);
    const sb = pickSuperblock(slots);
    if (sb.blocks !== disk.blocks || sb.blockSize !== disk.blockSize) {
      throw new RangeError(`the file system was made for ${sb.blocks} blocks of ${sb.blockSize} bytes, not this disk's ${disk.blocks} × ${disk.blockSize}`);
    }
    const refs = decodeRefTable(sb.refTable.map((b) => disk.read(b)), disk.blocks);
    return new CowFS(disk, sb, refs);
  }

  static #format(disk: SimDisk): CowFS {
    const tableBlocks = refTableLength(disk.blocks, disk.blockSize);
    if (disk.blocks > 0xffff || disk.blocks < tableBlocks + 4 || disk.blockSize < 64 || disk.blockSize % 2 !== 0 || superblockBytes(tableBlocks, MAX_SNAPSHOTS) > disk.blockSize) {
      throw new RangeError(`a disk of ${disk.blocks} blocks of ${disk.blockSize} bytes cannot hold this file system`);
    }
    const refTable = Array.from({ length: tableBlocks }, (_, i) => 2 + i);
    const root = 2 + tableBlocks;
    const refs = new Uint16Array(disk.blocks);
    refs[root] = 1; // the superblock's pointer
    disk.write(root, encodeRoot(new Array(BUCKETS).fill(0), disk.blockSize), "root node (empty)");
    refTable.forEach((block, i) => disk.write(block, encodeRefTablePage(refs, i, disk.blockSize), `refcount table page ${i}`));
    const sb: Superblock = { generation: 1, lastTxid: 0, nextSnapshotId: 1, blocks: disk.blocks, blockSize: disk.blockSize, root, refTable, snapshots: [] };
    disk.flush();
    disk.write(slotFor(1), encodeSuperblock(sb), "superblock slot 1 (generation 1)");
    disk.flush();
    return new CowFS(disk, sb, refs);
  }

  begin(): Transaction {
    return new CowTransaction((changes) => this.#commit(changes), maxFileBlocks(this.#disk.blockSize) * this.#disk.blockSize);
  }

  read(name: string): string | undefined {
    return this.#readFrom(this.#sb.root, checkName(name));
  }

  list(): string[] {
    return this.#listFrom(this.#sb.root);
  }

  /** Keeps the committed state as a snapshot; durable on return. */
  snapshot(): number {
    const sb = this.#sb;
    if (sb.snapshots.length >= MAX_SNAPSHOTS) throw new RangeError(`at most ${MAX_SNAPSHOTS} snapshots can be kept; delete one first`);
    const id = sb.nextSnapshotId;
    this.#update(() => {
      this.#incref(sb.root);
      return { ...sb, snapshots: [...sb.snapshots, { id, root: sb.root }], nextSnapshotId: id + 1 };
    });
    return id;
  }

  /** Snapshot ids, oldest first. */
  snapshots(): number[] {
    return this.#sb.snapshots.map((s) => s.id);
  }

  readAt(snapshot: number, name: string): string | undefined {
    return this.#readFrom(this.#snapshotRoot(snapshot), checkName(name));
  }

  listAt(snapshot: number): string[] {
    return this.#listFrom(this.#snapshotRoot(snapshot));
  }

  /** Drops the snapshot; the blocks only it reached are free again. Durable on return. */
  deleteSnapshot(snapshot: number): void {
    const root = this.#snapshotRoot(snapshot);
    const sb = this.#sb;
    this.#update(() => {
      this.#decref(root, "root");
      return { ...sb, snapshots: sb.snapshots.filter((s) => s.id !== snapshot) };
    });
  }

  stats(): CowStats {
    let reached = 0;
    for (const count of this.#refs) if (count > 0) reached += 1;
    return { blocksInUse: SUPERBLOCK_SLOTS.length + this.#sb.refTable.length + reached, totalBlocks: this.#disk.blocks };
  }

  #commit(changes: Changes): number {
    const sb = this.#sb;
    const txid = sb.lastTxid + 1;
    this.#update(() => ({ ...sb, root: changes.size === 0 ? sb.root : this.#copyPath(changes), lastTxid: txid }));
    return txid;
  }

  /**
   * Runs one update: `build` writes new blocks and adjusts counts, then the root switch
   * makes it durable. Any error (a full disk) restores the counts, so nothing changed.
   */
  #update(build: () => NextState): void {
    const saved = this.#refs.slice();
    try {
      this.#switchRoot(build());
    } catch (error) {
      this.#refs = saved;
      throw error;
    } finally {
      this.#fresh.clear();
      this.#freed.clear();
    }
  }

  /** Writes the changed files and a new copy of every node above them; returns the new root. */
  #copyPath(changes: Changes): number {
    // TODO(lesson-7:copy-path): return the root of a new tree in which `changes` hold,
    // built from new blocks only: no block the committed tree or a snapshot can reach may be
    // overwritten, because a power cut before the switch must find the old tree intact.
    // Unchanged files and buckets are shared, not copied; an empty bucket is 0 in the root and
    // a leaf's entries are sorted by name. The counts must be exact for the new state: every
    // pointer of a new node counted (#writeNode does it), the superblock's pointer moved from
    // the old root to the new one, and what only the old tree held freed. Written for you:
    // decodeRoot, decodeLeaf, encodeLeaf, encodeRoot, groupByBucket, #writeFile, #writeNode.
    // README: "Copy the path, not the tree".
    throw todo("lesson-7:copy-path");
  }

  /** The switch: the new root, with its refcount table, becomes the committed state. */
  #switchRoot(next: NextState): void {
    // TODO(lesson-7:switch-root): make `next` the committed state with one superblock
    // write, into the slot of its generation (slotFor; one more than the committed one), with
    // the refcount table this.#writeRefTable() writes. A power cut at any moment, losing or
    // reordering any write not yet flushed, must leave the next mount on the old state or on
    // the new one, whole (tree and counts); once this returns, the new state is durable.
    // this.#sb and this.#durableRefs (a copy of the counts) describe the durable state, never
    // one that is not yet. README: "Two superblocks".
    throw todo("lesson-7:switch-root");
  }

  /** One more pointer reaches `block`. */
  #incref(block: number): void {
    // TODO(lesson-7:refcount): this.#refs[block] is the number of pointers that reach
    // `block` (nodes, the superblock, snapshots). In #decref below: a block no pointer
    // reaches any more is free (this.#freed; nothing reuses it before the switch), and the
    // pointers it holds (childPointers at level CHILD_LEVEL[level]) are gone with it.
    // README: "Reference counts".
    throw todo("lesson-7:refcount");
  }

  /** One pointer to `block` is gone; at zero the block is freed and lets go of its children. */
  #decref(block: number, level: Level): void {
    // TODO(lesson-7:refcount): see #incref.
    throw todo("lesson-7:refcount");
  }

  /** Data blocks (only those that differ from the old file's) and a new inode. */
  #writeFile(name: string, data: Uint8Array, oldInode: number | undefined): number {
    const old = oldInode === undefined ? [] : decodeInode(this.#read(oldInode)).blocks;
    const pieces = splitBlocks(data, this.#disk.blockSize);
    const blocks = pieces.map((piece, i) =>
      i < old.length && sameBlock(piece, this.#read(old[i]))
        ? old[i]
        : this.#writeNode(piece, "data", `data block ${i + 1} of ${pieces.length} of ${name}`),
    );
    return this.#writeNode(encodeInode({ size: data.length, blocks }, this.#disk.blockSize), "inode", `inode of ${name}`);
  }

  /** Writes a node to a free block and counts a reference for every pointer it holds. */
  #writeNode(bytes: Uint8Array, level: Level, label: string): number {
    const block = this.#allocate();
    this.#disk.write(block, bytes, label);
    for (const child of childPointers(level, bytes)) this.#incref(child);
    return block;
  }

  /** Writes the refcount-table pages whose counts changed to new blocks. */
  #writeRefTable(): number[] {
    const size = this.#disk.blockSize;
    const changed = new Set<number>();
    this.#refs.forEach((count, block) => {
      if (count !== this.#durableRefs[block]) changed.add(refTablePageOf(block, size));
    });
    return this.#sb.refTable.map((old, page) => {
      if (!changed.has(page)) return old;
      const block = this.#allocate();
      this.#disk.write(block, encodeRefTablePage(this.#refs, page, size), `refcount table page ${page}`);
      return block;
    });
  }

  /** The lowest block that nothing committed or in progress uses; RangeError when full. */
  #allocate(): number {
    const table = new Set(this.#sb.refTable);
    for (let block = SUPERBLOCK_SLOTS.length; block < this.#disk.blocks; block++) {
      if (this.#refs[block] === 0 && !table.has(block) && !this.#fresh.has(block) && !this.#freed.has(block)) {
        this.#fresh.add(block);
        return block;
      }
    }
    throw new RangeError(`the disk is full (${this.#disk.blocks} blocks)`);
  }

  #read(block: number): Uint8Array {
    return this.#disk.read(block);
  }

  #readFrom(root: number, name: string): string | undefined {
    const leaf = decodeRoot(this.#read(root))[bucketOf(name)];
    if (leaf === 0) return undefined;
    const entry = decodeLeaf(this.#read(leaf)).find((e) => e.name === name);
    if (entry === undefined) return undefined;
    const inode = decodeInode(this.#read(entry.inode));
    const bytes = new Uint8Array(inode.blocks.length * this.#disk.blockSize);
    inode.blocks.forEach((block, i) => bytes.set(this.#read(block), i * this.#disk.blockSize));
    return decodeContents(bytes.subarray(0, inode.size));
  }

  #listFrom(root: number): string[] {
    const names = decodeRoot(this.#read(root))
      .filter((leaf) => leaf !== 0)
      .flatMap((leaf) => decodeLeaf(this.#read(leaf)).map((e) => e.name));
    return names.sort();
  }

  #snapshotRoot(snapshot: number): number {
    if (typeof snapshot !== "number") throw new TypeError(`a snapshot id must be a number, got ${typeof snapshot}`);
    const found = this.#sb.snapshots.find((s) => s.id === snapshot);
    if (found === undefined) throw new RangeError(`no snapshot ${String(snapshot)}; snapshots: ${this.snapshots().join(", ") || "none"}`);
    return found.root;
  }
}

/** The valid superblock with the higher generation: the last completed switch. */
function pickSuperblock(slots: readonly Uint8Array[]): Superblock {
  // TODO(lesson-7:pick-superblock): the superblock of the last completed switch. A slot
  // torn or half-written by a power cut must never win (decodeSuperblock gives undefined
  // when a slot's magic or checksum is wrong); with no valid slot, throw an Error.
  // README: "Two superblocks".
  throw todo("lesson-7:pick-superblock");
}

function groupByBucket(changes: Changes): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const name of changes.keys()) {
    const bucket = bucketOf(name);
    groups.set(bucket, [...(groups.get(bucket) ?? []), name]);
  }
  return groups;
}

/** Buffers writes and deletes until commit(); usable once. */
class CowTransaction implements Transaction {
  readonly #changes: Changes = new Map();
  readonly #apply: (changes: Changes) => number;
  readonly #maxBytes: number;
  #state: "open" | "committed" | "aborted" = "open";

  constructor(apply: (changes: Changes) => number, maxBytes: number) {
    this.#apply = apply;
    this.#maxBytes = maxBytes;
  }

  write(name: string, data: string): void {
    this.#checkOpen();
    checkName(name);
    const bytes = encodeContents(data);
    if (bytes.length > this.#maxBytes) throw new RangeError(`${name}: ${bytes.length} bytes is more than a file can hold (${this.#maxBytes})`);
    this.#changes.set(name, bytes);
  }

  delete(name: string): void {
    this.#checkOpen();
    this.#changes.set(checkName(name), null);
  }

  commit(): number {
    this.#checkOpen();
    const txid = this.#apply(this.#changes);
    this.#state = "committed";
    return txid;
  }

  abort(): void {
    this.#checkOpen();
    this.#state = "aborted";
  }

  #checkOpen(): void {
    if (this.#state !== "open") throw new Error(`this transaction was already ${this.#state}; begin() a new one`);
  }
}
