/**
 * `npm run bench lesson-8` — what copy-on-write fork saves: frames in use and frames
 * copied when a process forks and the child writes a little, beside an eager fork that
 * copies every frame of the parent at once. Runs the reference solution.
 *
 *   npm run bench lesson-8
 */
import { Machine } from "../solutions/lesson-8/cow-machine.ts";
import { PhysicalMemory, machineShape, newPageTable, splitAddress, type MachineShape, type PageTable } from "../lib/machine.ts";

const SHAPE = { pageSize: 4096, pages: 256, frames: 2048 };

/** The baseline: fork copies every mapped frame of the parent right away. */
class EagerMachine {
  readonly #shape: MachineShape;
  readonly #memory: PhysicalMemory;
  readonly #tables = new Map<number, PageTable>();
  #nextPid = 1;
  copies = 0;
  constructor(options: typeof SHAPE) {
    this.#shape = machineShape(options);
    this.#memory = new PhysicalMemory(this.#shape);
  }
  spawn(): number {
    this.#tables.set(this.#nextPid, newPageTable(this.#shape));
    return this.#nextPid++;
  }
  fork(pid: number): number {
    const child = newPageTable(this.#shape);
    this.#tables.get(pid)!.forEach((entry, page) => {
      if (entry === undefined) return;
      const frame = this.#memory.allocate();
      this.#memory.copyFrame(entry.frame, frame);
      this.copies += 1;
      child[page] = { frame, writable: true };
    });
    this.#tables.set(this.#nextPid, child);
    return this.#nextPid++;
  }
  write(pid: number, address: number, byte: number): void {
    const table = this.#tables.get(pid)!;
    const { page, offset } = splitAddress(address, this.#shape);
    const entry = (table[page] ??= { frame: this.#memory.allocate(), writable: true });
    this.#memory.write(entry.frame, offset, byte);
  }
  exit(pid: number): void {
    for (const entry of this.#tables.get(pid)!) if (entry) this.#memory.free(entry.frame);
    this.#tables.delete(pid);
  }
  stats(): { framesInUse: number; copies: number } {
    return { framesInUse: this.#memory.inUse, copies: this.copies };
  }
}

type AnyMachine = Pick<Machine, "spawn" | "fork" | "write" | "exit"> & { stats(): { framesInUse: number; copies: number } };

/** A parent with every page written forks once; the child writes `pagesWritten` pages. */
function forkThenWrite(make: () => AnyMachine, pagesWritten: number) {
  const machine = make();
  const parent = machine.spawn();
  for (let page = 0; page < SHAPE.pages; page++) machine.write(parent, page * SHAPE.pageSize, 1);
  const before = machine.stats();
  const t0 = performance.now();
  const child = machine.fork(parent);
  for (let page = 0; page < pagesWritten; page++) machine.write(child, page * SHAPE.pageSize + 7, 2);
  const ms = performance.now() - t0;
  const after = machine.stats();
  machine.exit(child);
  return { frames: after.framesInUse, copied: after.copies - before.copies, ms };
}

/** A shell-like loop: fork, the child writes two pages and exits, `rounds` times. */
function forkLoop(make: () => AnyMachine, rounds: number) {
  const machine = make();
  const shell = machine.spawn();
  for (let page = 0; page < SHAPE.pages; page++) machine.write(shell, page * SHAPE.pageSize, 1);
  let peak = 0;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const child = machine.fork(shell);
    machine.write(child, 0, 2);
    machine.write(child, SHAPE.pageSize * 100, 3);
    peak = Math.max(peak, machine.stats().framesInUse);
    machine.exit(child);
  }
  return { peak, copied: machine.stats().copies, ms: performance.now() - t0 };
}

const cow = () => new Machine(SHAPE);
const eager = () => new EagerMachine(SHAPE);
const pad = (v: string | number, n: number) => String(v).padStart(n);

console.log(`parent: ${SHAPE.pages} pages of ${SHAPE.pageSize} bytes, all written (${SHAPE.pages} frames); it forks once`);
console.log(`and the child writes k pages. Frames in use and frames copied after the child's writes.\n`);
console.log("  k pages    frames in use        frames copied        fork + writes (ms)");
console.log("  written    cow      eager       cow      eager       cow      eager");
for (const k of [0, 1, 8, 64, 256]) {
  forkThenWrite(cow, k); forkThenWrite(eager, k); // warm up
  const c = forkThenWrite(cow, k);
  const e = forkThenWrite(eager, k);
  console.log(`  ${pad(k, 7)}    ${pad(c.frames, 4)}   ${pad(e.frames, 6)}      ${pad(c.copied, 4)}   ${pad(e.copied, 6)}      ${pad(c.ms.toFixed(2), 5)}   ${pad(e.ms.toFixed(2), 6)}`);
}

const rounds = 1000;
forkLoop(cow, 50); forkLoop(eager, 50);
const c = forkLoop(cow, rounds);
const e = forkLoop(eager, rounds);
console.log(`\n${rounds} rounds of fork, child writes 2 pages, child exits (a shell running commands):`);
console.log("            peak frames   frames copied   bytes copied    time (ms)");
for (const [name, r] of [["cow", c], ["eager", e]] as const) {
  console.log(`  ${name.padEnd(8)} ${pad(r.peak, 11)}   ${pad(r.copied, 13)}   ${pad((r.copied * SHAPE.pageSize / 2 ** 20).toFixed(1) + " MiB", 12)}   ${pad(r.ms.toFixed(0), 9)}`);
}
