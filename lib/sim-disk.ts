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
 * @example
 * ```ts
 * import { CrashError, SimDisk } from "../lib/sim-disk.ts";
 *
 * const disk = new SimDisk({ blocks: 16 });
 * disk.crashAfter(1);
 * disk.write(0, new TextEncoder().encode("header"), "journal header");  // durable
 * try { disk.write(1, new Uint8Array([1])); } catch (e) { e instanceof CrashError; } // lost
 * const after = disk.reboot();  // block 0 holds "header", block 1 is still zeros
 * ```
 */

/** The power went out: this write did not happen, and the disk is dead until reboot(). */
export class CrashError extends Error {
  constructor(message = "the disk lost power (simulated crash)") {
    super(message);
    this.name = "CrashError";
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

  constructor(options: SimDiskOptions = {}) {
    this.blocks = positiveInteger(options.blocks ?? DEFAULT_BLOCKS, "blocks");
    this.blockSize = positiveInteger(options.blockSize ?? DEFAULT_BLOCK_SIZE, "blockSize");
    this.media = new Uint8Array(this.blocks * this.blockSize);
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
    const start = block * this.blockSize;
    return this.media.slice(start, start + this.blockSize);
  }

  /** Replaces the block with `data`, zero-filled to the block size. */
  write(block: number, data: Uint8Array, label = ""): void {
    this.checkBlock(block);
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`write(${block}, …) needs a Uint8Array, got ${describe(data)}`);
    }
    if (data.length > this.blockSize) {
      throw new RangeError(`write(${block}, …): ${data.length} bytes do not fit a ${this.blockSize}-byte block`);
    }
    this.powerCheck();
    const start = block * this.blockSize;
    this.media.fill(0, start, start + this.blockSize);
    this.media.set(data, start);
    this.#writes += 1;
    this.#log.push({ index: this.#writes, block, label: String(label), bytes: data.length });
  }

  /** A write barrier. In the ordered model every completed write is already durable. */
  flush(): void {
    if (this.#crashed) throw deadDisk();
    this.#flushes += 1;
  }

  /** Arms a power cut: the next `writes` writes succeed, the one after throws CrashError. */
  crashAfter(writes: number): void {
    if (!Number.isInteger(writes) || writes < 0) {
      throw new RangeError(`crashAfter(${describe(writes)}): expected a whole number of writes, 0 or more`);
    }
    this.#writesBeforeCrash = writes;
  }

  /** A new disk holding exactly what was durable; its write count and log start again. */
  reboot(): SimDisk {
    const next = new SimDisk({ blocks: this.blocks, blockSize: this.blockSize });
    next.media.set(this.media);
    return next;
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
      throw new RangeError(`block ${describe(block)} is outside the disk (blocks 0..${this.blocks - 1})`);
    }
  }
}

function deadDisk(): CrashError {
  return new CrashError("the disk crashed; reboot() it before writing again");
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`SimDisk ${name} must be a positive whole number, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  return Object.prototype.toString.call(value).slice(8, -1);
}
