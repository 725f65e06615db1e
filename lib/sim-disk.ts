/**
 * A simulated block device that can lose power at any write.
 *
 * The disk is `blocks` blocks of `blockSize` bytes. In the ordered model (the default,
 * lessons 3 and 4) every write that returns is durable at once and in order, so the state
 * after a crash is exactly the writes that completed. `crashAfter(n)` arms a power cut:
 * the next `n` writes succeed and the one after throws `CrashError` without being applied.
 * From then on the disk is dead: every write and flush throws `CrashError` until
 * `reboot()`, which returns a fresh disk holding exactly what was durable. Reads of a dead
 * disk still return its durable contents.
 *
 * Each applied write is logged (block, the caller's optional label, bytes), so that a
 * failing crash test can tell the story of the run write by write.
 *
 * The volatile model (`new SimDisk({ model: "volatile", sectorSize: 64 })`, lesson 5 on)
 * puts a write cache in front of the media, as real drives have. A write lands in the
 * cache (reads see it at once); only `flush()` makes the cached writes durable. At a power
 * cut any of the cached writes may or may not have reached the media, in any order: for
 * each block, its old contents or any one of the writes to it since the last flush. A block
 * being written when the power went may be torn: some of its sectors new, the rest old;
 * a single sector is never torn (`sectorSize` divides `blockSize`; by default a sector is
 * the whole block). `reboot(survivors)` picks the state: which cached writes reached the
 * media, and optionally one torn write. Without survivors, a crashed disk loses its whole
 * cache and a disk that did not crash is shut down cleanly (its cache is flushed). The
 * crash explorer enumerates these states (`volatile` option of lib/crash-explorer.ts).
 *
 * I/O errors (lesson 12) are a fault of their own, distinct from a power cut: the disk
 * stays up and says no. `failWriteAfter(n)` lets the next `n` writes through and refuses
 * the one after with `IOError` (it is not applied); `failFlushAfter(n)` does the same to a
 * flush, and a failed flush drops the cached writes (volatile model): they never reach the
 * media and reads no longer see them, as Linux drops dirty pages whose writeback failed.
 * A bad block (`badBlocks` option, or `markBad()`) fails every read of it; it stays bad
 * after `reboot()`. Each armed error fires once; the disk then works as before.
 *
 * @example
 * ```ts
 * import { CrashError, SimDisk } from "../lib/sim-disk.ts";
 *
 * const disk = new SimDisk({ blocks: 16 });
 * disk.crashAfter(1);
 * disk.write(0, new TextEncoder().encode("header"), "journal header");  // durable
 * try { disk.write(1, new Uint8Array([1])); } catch (e) { e instanceof CrashError; } // lost
 * const after = disk.reboot();  // block 0 holds "header", block 1 is still zeros
 *
 * const sick = new SimDisk({ model: "volatile" });
 * sick.write(2, new Uint8Array([7]));
 * sick.failFlushAfter(0);
 * try { sick.flush(); } catch (e) { e instanceof IOError; }  // the write to block 2 is gone
 * ```
 */

import { describeValue } from "./describe-value.ts";

/** The power went out: this write did not happen, and the disk is dead until reboot(). */
export class CrashError extends Error {
  constructor(message = "the disk lost power (simulated crash)") {
    super(message);
    this.name = "CrashError";
  }
}

/**
 * The disk refused one request (a failed write or flush, or a read of a bad block). Unlike
 * CrashError, the disk is still up: later requests may succeed.
 */
export class IOError extends Error {
  /** What failed: "write", "flush" or "read". */
  readonly operation: "write" | "flush" | "read";
  /** The block of a failed write or read; undefined for a flush. */
  readonly block: number | undefined;
  constructor(operation: "write" | "flush" | "read", block: number | undefined, message: string) {
    super(message);
    this.name = "IOError";
    this.operation = operation;
    this.block = block;
  }
}

/** One applied write, as a crash timeline shows it. */
export interface DiskWrite {
  /** 1-based, counted since construction or reboot. */
  index: number;
  block: number;
  /** The caller's label ("journal header", "data block 2 of 3 of notes.txt"), or "". */
  label: string;
  /** The length of the data given; the rest of the block was zeroed. */
  bytes: number;
}

export interface SimDiskOptions {
  /** Number of blocks; 256 by default. */
  blocks?: number;
  /** Bytes per block; 512 by default. */
  blockSize?: number;
  /** "ordered" (default): every write is durable on return. "volatile": a write cache that only flush() empties. */
  model?: DiskModel;
  /** The unit a power cut never tears; divides blockSize; blockSize by default. */
  sectorSize?: number;
  /** Blocks whose every read fails with IOError (media defects); none by default. */
  badBlocks?: readonly number[];
}

export type DiskModel = "ordered" | "volatile";

/**
 * Which cached (unflushed) writes of a volatile disk reached the media at the power cut.
 * Writes are named by their `DiskWrite.index`; for a block written more than once, the
 * reached write issued last wins. `torn` is a write that reached the media only in part:
 * the listed sectors (0-based, within the block) are new, the others keep what was there.
 */
export interface CacheSurvivors {
  reached: readonly number[];
  torn?: { index: number; sectors: readonly number[] };
}

/** A write in the volatile cache: its log entry and the full block image it will leave. */
interface CachedWrite {
  write: DiskWrite;
  image: Uint8Array;
}

const DEFAULT_BLOCKS = 256;
const DEFAULT_BLOCK_SIZE = 512;

export class SimDisk {
  readonly blocks: number;
  readonly blockSize: number;
  /** The durable contents, block after block. */
  protected readonly media: Uint8Array;
  #writes = 0;
  #flushes = 0;
  #crashed = false;
  /** Writes still allowed before the armed crash; undefined when none is armed. */
  #writesBeforeCrash: number | undefined;
  readonly #log: DiskWrite[] = [];
  readonly model: DiskModel;
  readonly sectorSize: number;
  /** Volatile model only: the writes since the last flush, in issue order. */
  readonly #cache: CachedWrite[] = [];
  /** Flushes still allowed before an armed crash at a flush; undefined when none is armed. */
  #flushesBeforeCrash: number | undefined;
  readonly #flushPoints: number[] = [];
  /** Writes still allowed before an armed IOError; undefined when none is armed. */
  #writesBeforeError: number | undefined;
  /** Flushes still allowed before an armed IOError; undefined when none is armed. */
  #flushesBeforeError: number | undefined;
  readonly #badBlocks = new Set<number>();
  #ioErrors = 0;

  constructor(options: SimDiskOptions = {}) {
    this.blocks = positiveInteger(options.blocks ?? DEFAULT_BLOCKS, "blocks");
    this.blockSize = positiveInteger(options.blockSize ?? DEFAULT_BLOCK_SIZE, "blockSize");
    this.media = new Uint8Array(this.blocks * this.blockSize);
    this.model = diskModel(options.model);
    this.sectorSize = positiveInteger(options.sectorSize ?? this.blockSize, "sectorSize");
    if (this.blockSize % this.sectorSize !== 0) {
      throw new RangeError(`SimDisk sectorSize ${this.sectorSize} must divide blockSize ${this.blockSize}`);
    }
    for (const block of options.badBlocks ?? []) this.markBad(block);
  }

  /** Blocks whose reads fail with IOError. */
  get badBlocks(): readonly number[] {
    return [...this.#badBlocks].sort((a, b) => a - b);
  }

  /** IOErrors thrown since construction or reboot. */
  get ioErrors(): number {
    return this.#ioErrors;
  }

  /** For each flush of this boot, how many writes had been issued before it (for timelines). */
  get flushPoints(): readonly number[] {
    return this.#flushPoints;
  }

  /** Volatile model: the writes since the last flush, not yet durable (empty in the ordered model). */
  get pending(): readonly DiskWrite[] {
    return this.#cache.map((c) => c.write);
  }

  /** Writes applied since construction or reboot. */
  get writes(): number {
    return this.#writes;
  }

  /** flush() calls since construction or reboot. */
  get flushes(): number {
    return this.#flushes;
  }

  /** True once a CrashError was thrown, until reboot(). */
  get crashed(): boolean {
    return this.#crashed;
  }

  /** The applied writes of this boot, in order. */
  get log(): readonly DiskWrite[] {
    return this.#log;
  }

  /** A copy of the block's durable contents. */
  read(block: number): Uint8Array {
    this.checkBlock(block);
    if (this.#badBlocks.has(block)) throw this.#ioError("read", block, `read of block ${block} failed: a bad block (simulated I/O error)`);
    if (!this.#crashed) {
      const cached = this.#cache.findLast((c) => c.write.block === block);
      if (cached) return cached.image.slice();
    }
    const start = block * this.blockSize;
    return this.media.slice(start, start + this.blockSize);
  }

  /** Replaces the block with `data`, zero-filled to the block size. */
  write(block: number, data: Uint8Array, label = ""): void {
    this.checkBlock(block);
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`write(${block}, …) needs a Uint8Array, got ${describeValue(data)}`);
    }
    if (data.length > this.blockSize) {
      throw new RangeError(`write(${block}, …): ${data.length} bytes do not fit a ${this.blockSize}-byte block`);
    }
    this.powerCheck();
    if (this.#writesBeforeError === 0) {
      this.#writesBeforeError = undefined;
      throw this.#ioError("write", block, `write of block ${block} failed (simulated I/O error); it was not applied`);
    }
    if (this.#writesBeforeError !== undefined) this.#writesBeforeError -= 1;
    this.#writes += 1;
    const write: DiskWrite = { index: this.#writes, block, label: String(label), bytes: data.length };
    this.#log.push(write);
    if (this.model === "volatile") {
      const image = new Uint8Array(this.blockSize);
      image.set(data);
      this.#cache.push({ write, image });
      return;
    }
    const start = block * this.blockSize;
    this.media.fill(0, start, start + this.blockSize);
    this.media.set(data, start);
  }

  /** A write barrier. In the ordered model every completed write is already durable. */
  flush(): void {
    if (this.#crashed) throw deadDisk();
    if (this.#flushesBeforeCrash === 0) {
      this.#crashed = true;
      this.#flushesBeforeCrash = undefined;
      this.#writesBeforeCrash = undefined;
      throw new CrashError(`the disk lost power before flush ${this.#flushes + 1} (simulated crash)`);
    }
    if (this.#flushesBeforeCrash !== undefined) this.#flushesBeforeCrash -= 1;
    if (this.#flushesBeforeError === 0) {
      this.#flushesBeforeError = undefined;
      // Like Linux after a failed writeback: the dirty data is dropped, not kept for a retry.
      const lost = this.#cache.length;
      this.#cache.length = 0;
      throw this.#ioError("flush", undefined, `flush ${this.#flushes + 1} failed (simulated I/O error); ${lost} cached write${lost === 1 ? " was" : "s were"} lost`);
    }
    if (this.#flushesBeforeError !== undefined) this.#flushesBeforeError -= 1;
    for (const cached of this.#cache) this.media.set(cached.image, cached.write.block * this.blockSize);
    this.#cache.length = 0;
    this.#flushes += 1;
    this.#flushPoints.push(this.#writes);
  }

  /** Arms a power cut at a flush: the next `flushes` flushes succeed, the one after throws CrashError and flushes nothing. */
  crashBeforeFlush(flushes: number): void {
    if (!Number.isInteger(flushes) || flushes < 0) {
      throw new RangeError(`crashBeforeFlush(${describeValue(flushes)}): expected a whole number of flushes, 0 or more`);
    }
    this.#flushesBeforeCrash = flushes;
  }

  /** Arms an I/O error: the next `writes` writes succeed, the one after throws IOError and is not applied. */
  failWriteAfter(writes: number): void {
    this.#writesBeforeError = wholeCount(writes, "failWriteAfter", "writes");
  }

  /** Arms an I/O error at a flush: the next `flushes` flushes succeed, the one after throws IOError and drops the write cache. */
  failFlushAfter(flushes: number): void {
    this.#flushesBeforeError = wholeCount(flushes, "failFlushAfter", "flushes");
  }

  /** Every later read of `block` throws IOError, on this disk and on the disks reboot() returns. */
  markBad(block: number): void {
    this.checkBlock(block);
    this.#badBlocks.add(block);
  }

  #ioError(operation: "write" | "flush" | "read", block: number | undefined, message: string): IOError {
    this.#ioErrors += 1;
    return new IOError(operation, block, message);
  }

  /** Arms a power cut: the next `writes` writes succeed, the one after throws CrashError. */
  crashAfter(writes: number): void {
    if (!Number.isInteger(writes) || writes < 0) {
      throw new RangeError(`crashAfter(${describeValue(writes)}): expected a whole number of writes, 0 or more`);
    }
    this.#writesBeforeCrash = writes;
  }

  /** A new disk holding exactly what was durable; its write count and log start again. */
  reboot(survivors?: CacheSurvivors): SimDisk {
    const next = new SimDisk({ blocks: this.blocks, blockSize: this.blockSize, model: this.model, sectorSize: this.sectorSize, badBlocks: this.badBlocks });
    next.media.set(this.media);
    const reached = survivors ?? { reached: this.#crashed ? [] : this.#cache.map((c) => c.write.index) };
    this.#applySurvivors(next.media, reached);
    return next;
  }

  /** Writes the surviving cached writes (and the torn one's new sectors) onto `media`. */
  #applySurvivors(media: Uint8Array, survivors: CacheSurvivors): void {
    const reached = new Set(survivors.reached);
    const known = new Set(this.#cache.map((c) => c.write.index));
    const torn = survivors.torn;
    for (const index of [...reached, ...(torn ? [torn.index] : [])]) {
      if (!known.has(index)) {
        throw new RangeError(`reboot(): write ${describeValue(index)} is not in the write cache (cached: ${[...known].join(", ") || "none"})`);
      }
    }
    if (torn && reached.has(torn.index)) throw new RangeError(`reboot(): write ${torn.index} cannot both reach the disk whole and be torn`);
    for (const cached of this.#cache) {
      if (reached.has(cached.write.index)) media.set(cached.image, cached.write.block * this.blockSize);
    }
    if (torn) this.#applyTorn(media, this.#cache.find((c) => c.write.index === torn.index)!, torn.sectors);
  }

  #applyTorn(media: Uint8Array, cached: CachedWrite, sectors: readonly number[]): void {
    const perBlock = this.blockSize / this.sectorSize;
    for (const sector of sectors) {
      if (!Number.isInteger(sector) || sector < 0 || sector >= perBlock) {
        throw new RangeError(`reboot(): sector ${describeValue(sector)} is outside the block (sectors 0..${perBlock - 1})`);
      }
      const from = sector * this.sectorSize;
      media.set(cached.image.subarray(from, from + this.sectorSize), cached.write.block * this.blockSize + from);
    }
  }

  /** Throws the armed crash, or CrashError on a dead disk; otherwise counts down. */
  protected powerCheck(): void {
    if (this.#crashed) throw deadDisk();
    if (this.#writesBeforeCrash === undefined) return;
    if (this.#writesBeforeCrash === 0) {
      this.#crashed = true;
      this.#writesBeforeCrash = undefined;
      throw new CrashError(`the disk lost power before write ${this.#writes + 1} (simulated crash)`);
    }
    this.#writesBeforeCrash -= 1;
  }

  protected checkBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks) {
      throw new RangeError(`block ${describeValue(block)} is outside the disk (blocks 0..${this.blocks - 1})`);
    }
  }
}

function diskModel(model: unknown): DiskModel {
  if (model === undefined || model === "ordered" || model === "volatile") return model ?? "ordered";
  throw new RangeError(`SimDisk model must be "ordered" or "volatile", got ${describeValue(model)}`);
}

function deadDisk(): CrashError {
  return new CrashError("the disk crashed; reboot() it before writing again");
}

function wholeCount(value: number, method: string, what: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${method}(${describeValue(value)}): expected a whole number of ${what}, 0 or more`);
  }
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`SimDisk ${name} must be a positive whole number, got ${describeValue(value)}`);
  }
  return value;
}
