/**
 * Lesson 8 · fork and copy-on-write pages (reference solution).
 *
 * A `Machine` runs processes, each with its own page table over shared physical frames.
 * `fork` copies no memory: the child's page table points at the parent's frames, both
 * sides lose write permission, and each frame counts the page-table entries that point
 * at it. A write to a read-only page is a page fault: if another process still holds the
 * frame, the writer gets a private copy; if not, the page just becomes writable again.
 * A page never written reads as zeros and gets a fresh frame on its first write.
 * `exit` drops the process's references; a frame whose count reaches zero is freed.
 *
 * Contract (lessons/lesson-8/README.md, "What you implement"): a frame is copied only
 * when a process writes to a page whose frame another live process also maps, so
 * `stats()` is exact: `framesInUse` counts distinct frames mapped by live processes and
 * `copies` counts those fault-time copies.
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
  readonly #memory: PhysicalMemory;
  /** frame -> number of page-table entries (across all processes) that point at it. */
  readonly #refs: number[];
  readonly #processes = new Map<number, PageTable>();
  #nextPid = 1;
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
    parent.forEach((entry, page) => {
      if (entry === undefined) return;
      // Both sides must fault on their next write, or one would scribble on the other's page.
      entry.writable = false;
      child[page] = { frame: entry.frame, writable: false };
      this.#refs[entry.frame] += 1;
    });
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
    if (entry === undefined || !entry.writable) entry = this.#writeFault(table, page);
    this.#memory.write(entry.frame, offset, byte);
  }

  /** Drops every reference the process holds; frames nobody else maps are freed. */
  exit(pid: number): void {
    const table = this.#table(pid);
    for (const entry of table) {
      if (entry !== undefined) this.#release(entry.frame);
    }
    this.#processes.delete(pid);
  }

  stats(): MachineStats {
    return { framesInUse: this.#memory.inUse, copies: this.#copies, processes: this.#processes.size };
  }

  /** The page-fault handler: afterwards the page has a writable frame of its own. */
  #writeFault(table: PageTable, page: number): PageTableEntry {
    const entry = table[page];
    if (entry === undefined) {
      const frame = this.#memory.allocate();
      this.#refs[frame] = 1;
      return (table[page] = { frame, writable: true });
    }
    if (this.#refs[entry.frame] === 1) {
      // Everyone else has let go of this frame: it is ours alone, so no copy is needed.
      entry.writable = true;
      return entry;
    }
    // allocate() throws when memory is full, before any count or mapping has changed.
    const copy = this.#memory.allocate();
    this.#memory.copyFrame(entry.frame, copy);
    this.#refs[entry.frame] -= 1;
    this.#refs[copy] = 1;
    this.#copies += 1;
    return (table[page] = { frame: copy, writable: true });
  }

  #release(frame: number): void {
    this.#refs[frame] -= 1;
    if (this.#refs[frame] === 0) this.#memory.free(frame);
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
