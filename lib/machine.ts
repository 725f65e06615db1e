/**
 * The simulated memory hardware of lesson 8: the parts of a copy-on-write fork that are
 * not the lesson's point.
 *
 * - `machineShape(options)`: the validated size of a machine: bytes per page, pages per
 *   address space, physical frames.
 * - `splitAddress(address, shape)`: a virtual address as a page number and an offset.
 * - `checkByte(byte)`: a value that fits one byte.
 * - `PageTableEntry` / `PageTable`: one process's map from virtual page to physical frame,
 *   with a `writable` bit the "hardware" checks on every write.
 * - `PhysicalMemory`: the frames themselves, with an allocator that hands out zeroed
 *   frames and throws `OutOfMemoryError` (a RangeError) when none is free.
 *
 * Reference counts, fork and the page-fault handler are the lesson's, not this module's.
 *
 * @example
 * ```ts
 * import { PhysicalMemory, machineShape, splitAddress } from "../lib/machine.ts";
 *
 * const shape = machineShape({ pageSize: 64, pages: 4, frames: 8 });
 * const memory = new PhysicalMemory(shape);
 * const frame = memory.allocate();              // zero-filled, memory.inUse === 1
 * const { page, offset } = splitAddress(70, shape); // page 1, offset 6
 * memory.write(frame, offset, 42);
 * const copy = memory.allocate();
 * memory.copyFrame(frame, copy);                // copy now holds 42 at offset 6
 * memory.free(frame);                           // memory.inUse === 1
 * ```
 */
import { describeValue } from "./describe-value.ts";

export interface MachineOptions {
  /** Bytes per page (and per frame); 256 by default. */
  pageSize?: number;
  /** Pages in each process's address space; 16 by default. */
  pages?: number;
  /** Physical frames in the machine; 64 by default. */
  frames?: number;
}

/** A machine's validated size. Addresses run from 0 to pageSize * pages - 1. */
export interface MachineShape {
  readonly pageSize: number;
  readonly pages: number;
  readonly frames: number;
}

export const DEFAULT_SHAPE: MachineShape = { pageSize: 256, pages: 16, frames: 64 };

/** Validates the options (positive whole numbers, else RangeError) and fills in the defaults. */
export function machineShape(options: MachineOptions = {}): MachineShape {
  if (typeof options !== "object" || options === null) throw new TypeError("Machine options must be an object");
  return {
    pageSize: positiveInteger(options.pageSize ?? DEFAULT_SHAPE.pageSize, "pageSize"),
    pages: positiveInteger(options.pages ?? DEFAULT_SHAPE.pages, "pages"),
    frames: positiveInteger(options.frames ?? DEFAULT_SHAPE.frames, "frames"),
  };
}

/** One virtual page's mapping. A write to a page whose entry is not writable faults. */
export interface PageTableEntry {
  frame: number;
  writable: boolean;
}

/** Index = virtual page number; undefined = no frame mapped yet (the page reads as zeros). */
export type PageTable = (PageTableEntry | undefined)[];

export function newPageTable(shape: MachineShape): PageTable {
  return new Array<PageTableEntry | undefined>(shape.pages).fill(undefined);
}

/** The page number and offset of a virtual address; RangeError outside the address space. */
export function splitAddress(address: number, shape: MachineShape): { page: number; offset: number } {
  if (typeof address !== "number") throw new TypeError(`an address must be a number, got ${describeValue(address)}`);
  const size = shape.pageSize * shape.pages;
  if (!Number.isInteger(address) || address < 0 || address >= size) {
    throw new RangeError(`address ${describeValue(address)} is outside the address space 0..${size - 1}`);
  }
  return { page: Math.floor(address / shape.pageSize), offset: address % shape.pageSize };
}

/** Returns the byte; TypeError for a non-number, RangeError outside 0..255 or non-integer. */
export function checkByte(byte: number): number {
  if (typeof byte !== "number") throw new TypeError(`a byte must be a number, got ${describeValue(byte)}`);
  if (!Number.isInteger(byte) || byte < 0 || byte > 255) throw new RangeError(`${describeValue(byte)} is not a byte (0..255)`);
  return byte;
}

/** No free frame was left for an allocation. */
export class OutOfMemoryError extends RangeError {
  constructor(frames: number) {
    super(`out of memory: all ${frames} physical frames are in use`);
    this.name = "OutOfMemoryError";
  }
}

/** The machine's physical frames and their allocator. */
export class PhysicalMemory {
  readonly frames: number;
  readonly pageSize: number;
  readonly #bytes: Uint8Array;
  readonly #allocated: Uint8Array;
  /** Free frame numbers; popped from the end, so the lowest frames go first. */
  readonly #free: number[];

  constructor(shape: MachineShape) {
    this.frames = shape.frames;
    this.pageSize = shape.pageSize;
    this.#bytes = new Uint8Array(shape.frames * shape.pageSize);
    this.#allocated = new Uint8Array(shape.frames);
    this.#free = Array.from({ length: shape.frames }, (_, i) => shape.frames - 1 - i);
  }

  /** Frames currently allocated. */
  get inUse(): number {
    return this.frames - this.#free.length;
  }

  /** A zero-filled frame; throws OutOfMemoryError (changing nothing) when none is free. */
  allocate(): number {
    const frame = this.#free.pop();
    if (frame === undefined) throw new OutOfMemoryError(this.frames);
    this.#allocated[frame] = 1;
    this.#bytes.fill(0, frame * this.pageSize, (frame + 1) * this.pageSize);
    return frame;
  }

  /** Returns a frame to the allocator; freeing a frame twice is a bug and throws. */
  free(frame: number): void {
    this.#checkAllocated(frame, "free");
    this.#allocated[frame] = 0;
    this.#free.push(frame);
  }

  read(frame: number, offset: number): number {
    this.#checkAllocated(frame, "read");
    return this.#bytes[frame * this.pageSize + this.#checkOffset(offset)];
  }

  write(frame: number, offset: number, byte: number): void {
    this.#checkAllocated(frame, "write");
    this.#bytes[frame * this.pageSize + this.#checkOffset(offset)] = checkByte(byte);
  }

  /** Copies every byte of frame `from` into frame `to`. */
  copyFrame(from: number, to: number): void {
    this.#checkAllocated(from, "copy from");
    this.#checkAllocated(to, "copy into");
    this.#bytes.copyWithin(to * this.pageSize, from * this.pageSize, (from + 1) * this.pageSize);
  }

  #checkAllocated(frame: number, action: string): void {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frames) {
      throw new RangeError(`cannot ${action} frame ${describeValue(frame)}: frames are 0..${this.frames - 1}`);
    }
    if (this.#allocated[frame] === 0) throw new Error(`cannot ${action} frame ${frame}: it is not allocated`);
  }

  #checkOffset(offset: number): number {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.pageSize) {
      throw new RangeError(`offset ${describeValue(offset)} is outside a ${this.pageSize}-byte frame`);
    }
    return offset;
  }
}

/** The contract says "anything but a positive whole number: RangeError", non-numbers included. */
function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Machine ${name} must be a positive whole number, got ${describeValue(value)}`);
  }
  return value;
}
