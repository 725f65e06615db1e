/**
 * Lesson 7 · shadow paging: a copy-on-write file system (reference solution).
 *
 * No journal. A live block is never overwritten: a commit writes new copies of the
 * blocks it changes and of every node on their path up to the root, all at free
 * locations, then switches to the new root with one write, a superblock with the next
 * generation number, into the slot the older of the two superblocks occupies. Mount
 * picks the valid superblock (magic and crc32 checksum) with the higher generation,
 * as LMDB picks the newer of its two meta pages. A crash before the switch leaves the
 * old tree untouched; after it, the new tree is complete.
 *
 * Blocks carry reference counts (how many pointers reach them: from tree nodes, from the
 * superblock's root, from snapshots). A snapshot is a kept root: taking one adds a
 * reference to the current root, deleting it drops that reference, and a block whose
 * count falls to zero is freed together with whatever only it referenced. The format
 * is lib/cow-layout.ts; lib/cow-fsck.ts checks a disk against it.
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
    const oldRoot = this.#sb.root;
    const buckets = decodeRoot(this.#read(oldRoot));
    for (const [bucket, names] of groupByBucket(changes)) {
      const entries = new Map(buckets[bucket] === 0 ? [] : decodeLeaf(this.#read(buckets[bucket])).map((e) => [e.name, e.inode] as const));
      for (const name of names) {
        const data = changes.get(name)!;
        if (data === null) entries.delete(name);
        else entries.set(name, this.#writeFile(name, data, entries.get(name)));
      }
      const leaf = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, inode]) => ({ name, inode }));
      buckets[bucket] = leaf.length === 0 ? 0 : this.#writeNode(encodeLeaf(leaf, this.#disk.blockSize), "leaf", `directory leaf ${bucket}`);
    }
    const newRoot = this.#writeNode(encodeRoot(buckets, this.#disk.blockSize), "root", "root node");
    this.#incref(newRoot); // the superblock will point at it
    // The old root loses the superblock's pointer; what only it reached is freed with it.
    this.#decref(oldRoot, "root");
    return newRoot;
  }

  /** The switch: table, barrier, superblock into the older slot, barrier. */
  #switchRoot(next: NextState): void {
    const refTable = this.#writeRefTable();
    const sb: Superblock = { ...next, refTable, generation: this.#sb.generation + 1 };
    // Everything the new superblock points at must be on disk before the superblock is.
    this.#disk.flush();
    this.#disk.write(slotFor(sb.generation), encodeSuperblock(sb), `superblock slot ${slotFor(sb.generation)} (generation ${sb.generation})`);
    this.#disk.flush();
    this.#sb = sb;
    this.#durableRefs = this.#refs.slice();
  }

  #incref(block: number): void {
    this.#refs[block] += 1;
  }

  /** One pointer to `block` is gone; at zero the block is freed and lets go of its children. */
  #decref(block: number, level: Level): void {
    if (this.#refs[block] === 0) throw new Error(`block ${block} has no reference left to drop`);
    this.#refs[block] -= 1;
    if (this.#refs[block] > 0) return;
    this.#freed.add(block);
    const childLevel = CHILD_LEVEL[level];
    if (childLevel === undefined) return;
    for (const child of childPointers(level, this.#read(block))) this.#decref(child, childLevel);
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
  const valid = slots.map(decodeSuperblock).filter((sb): sb is Superblock => sb !== undefined);
  if (valid.length === 0) throw new Error("no valid superblock: both slots fail their checksum, so this is not a disk this file system can mount");
  return valid.reduce((a, b) => (b.generation > a.generation ? b : a));
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
