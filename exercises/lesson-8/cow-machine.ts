/**
 * Lesson 8 · fork and copy-on-write pages.
 *
 * Read lessons/lesson-8/README.md first. A `Machine` runs processes, each with its own
 * page table (virtual page -> physical frame + a writable bit) over the machine's shared
 * physical frames. The hardware parts (frames, the allocator, address splitting, input
 * checks) are in lib/machine.ts; the process table, read() and stats() are written below.
 * You write what makes fork cheap: sharing frames with reference counts, the page-fault
 * handler, and exit's release of references. Then run `npm run check lesson-8`.
 *
 * @example
 * ```ts
 * const machine = new Machine({ pageSize: 256, pages: 16, frames: 64 });
 * const parent = machine.spawn();
 * machine.write(parent, 0, 7);           // first write: a fresh frame
 * const child = machine.fork(parent);    // shares that frame, nothing copied
 * machine.write(child, 0, 9);            // fault: the frame is shared, so copy it
 * machine.read(parent, 0);               // 7
 * machine.stats();                       // { framesInUse: 2, copies: 1, processes: 2 }
 * ```
 */
import {
  PhysicalMemory,
  checkByte,
  machineShape,
  newPageTable,
  splitAddress,
  type MachineOptions,
  type MachineShape,
  type PageTable,
  type PageTableEntry,
} from "../../lib/machine.ts";
import { todo } from "../../lib/todo.ts";

export type { MachineOptions } from "../../lib/machine.ts";

export interface MachineStats {
  /** Distinct physical frames mapped by live processes. */
  framesInUse: number;
  /** Frames copied by write faults on shared pages, since the machine started. */
  copies: number;
  /** Live processes. */
  processes: number;
}

export class Machine {
  readonly pageSize: number;
  readonly pages: number;
  readonly frames: number;
  readonly #shape: MachineShape;
  /** The frames: allocate() gives a zeroed frame (or throws when full), free(), copyFrame(). */
  readonly #memory: PhysicalMemory;
  /** frame -> number of page-table entries (across all processes) that point at it. */
  readonly #refs: number[];
  readonly #processes = new Map<number, PageTable>();
  #nextPid = 1;
  /** Count one here for every frame copied by a write fault. */
  #copies = 0;

  constructor(options: MachineOptions = {}) {
    this.#shape = machineShape(options);
    ({ pageSize: this.pageSize, pages: this.pages, frames: this.frames } = this.#shape);
    this.#memory = new PhysicalMemory(this.#shape);
    this.#refs = new Array<number>(this.#shape.frames).fill(0);
  }

  /** A new process whose every page reads as zeros; it holds no frame yet. */
  spawn(): number {
    return this.#addProcess(newPageTable(this.#shape));
  }

  /** A child sharing every frame of `pid`, read-only on both sides. Needs no free frame. */
  fork(pid: number): number {
    const parent = this.#table(pid);
    const child = newPageTable(this.#shape);
    // TODO(lesson-8:fork-share): the child sees the same bytes as the parent at every
    // address, yet no byte is copied and no frame allocated; from now on a write by either
    // process must never reach the other. this.#refs[frame] counts the page-table entries
    // that map each frame. README: "Fork shares, it does not copy".
    throw todo("lesson-8:fork-share");
    return this.#addProcess(child);
  }

  read(pid: number, address: number): number {
    const table = this.#table(pid);
    const { page, offset } = splitAddress(address, this.#shape);
    const entry = table[page];
    return entry === undefined ? 0 : this.#memory.read(entry.frame, offset);
  }

  write(pid: number, address: number, byte: number): void {
    const table = this.#table(pid);
    const { page, offset } = splitAddress(address, this.#shape);
    checkByte(byte);
    let entry = table[page];
    // The "hardware" check: no frame, or a read-only one, traps into the fault handler.
    if (entry === undefined || !entry.writable) entry = this.#writeFault(table, page);
    this.#memory.write(entry.frame, offset, byte);
  }

  /** Drops every reference the process holds; frames nobody else maps are freed. */
  exit(pid: number): void {
    const table = this.#table(pid);
    // TODO(lesson-8:exit-release): afterwards no count includes this process's entries, a
    // frame that nobody maps any more is free memory again (this.#memory.free), and the pid
    // is no longer a process. README: "Exit lets go".
    throw todo("lesson-8:exit-release");
  }

  stats(): MachineStats {
    return { framesInUse: this.#memory.inUse, copies: this.#copies, processes: this.#processes.size };
  }

  /** The page-fault handler: afterwards `table[page]` is a writable frame of its own. */
  #writeFault(table: PageTable, page: number): PageTableEntry {
    // TODO(lesson-8:write-fault): afterwards table[page] is a writable frame that no other
    // entry maps, holding what the page showed before (zeros for a page with no frame), and
    // every count is exact. A frame is copied only when another entry shares it. When memory
    // is full (this.#memory.allocate throws), nothing may have changed. Return the page's
    // entry. README: "The page-fault handler".
    throw todo("lesson-8:write-fault");
  }

  #addProcess(table: PageTable): number {
    const pid = this.#nextPid++;
    this.#processes.set(pid, table);
    return pid;
  }

  /** The page table of a live process; TypeError/RangeError for anything else. */
  #table(pid: number): PageTable {
    if (typeof pid !== "number") throw new TypeError(`a pid must be a number, got ${typeof pid}`);
    const table = this.#processes.get(pid);
    if (table === undefined) throw new RangeError(`no live process has pid ${String(pid)}`);
    return table;
  }
}
