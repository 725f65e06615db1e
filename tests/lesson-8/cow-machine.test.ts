/**
 * Hidden tests for lesson 8 (contract: lessons/lesson-8/README.md, "What you implement").
 * They use only Machine's public API: spawn, fork, read, write, exit, stats.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "@impl/lesson-8/cow-machine.ts";
import { checkAgainstModel } from "../support/model.ts";

/** Writes `byte` at the first byte of each listed page. */
function touch(machine: Machine, pid: number, pages: number[], byte: number): void {
  for (const page of pages) machine.write(pid, page * machine.pageSize, byte);
}

function pageOf(machine: Machine, pid: number, page: number): number[] {
  return Array.from({ length: machine.pageSize }, (_, i) => machine.read(pid, page * machine.pageSize + i));
}

describe("a process's own memory", () => {
  test("a fresh process reads zeros everywhere and holds no frame", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    for (let address = 0; address < 64; address++) expect(machine.read(pid, address)).toBe(0);
    expect(machine.stats()).toEqual({ framesInUse: 0, copies: 0, processes: 1 });
  });

  test("a process reads back every byte it wrote, the last address included", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    machine.write(pid, 0, 1);
    machine.write(pid, 17, 200);
    machine.write(pid, 63, 255);
    expect([machine.read(pid, 0), machine.read(pid, 17), machine.read(pid, 63), machine.read(pid, 18)]).toEqual([1, 200, 255, 0]);
  });

  test("the first write to a page takes one fresh frame; later writes to that page take none", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    machine.write(pid, 3, 9);
    expect(machine.stats().framesInUse).toBe(1);
    for (let i = 0; i < 16; i++) machine.write(pid, i, i);
    machine.write(pid, 40, 1);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 0, processes: 1 });
  });

  test("spawn gives every process its own pid and its own memory", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const a = machine.spawn();
    const b = machine.spawn();
    expect(a).not.toBe(b);
    machine.write(a, 5, 50);
    expect(machine.read(b, 5)).toBe(0);
  });

  test("pageSize, pages and frames follow the options, and the address space is pageSize × pages bytes", () => {
    const machine = new Machine({ pageSize: 4096, pages: 2, frames: 3 });
    expect([machine.pageSize, machine.pages, machine.frames]).toEqual([4096, 2, 3]);
    const pid = machine.spawn();
    machine.write(pid, 4095, 1);
    machine.write(pid, 4096, 2);
    expect(machine.stats().framesInUse).toBe(2);
    expect(() => machine.write(pid, 8192, 3)).toThrow(RangeError);
  });
});

describe("fork shares, it does not copy", () => {
  test("forking a process that never wrote gives a child that reads zeros", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    const child = machine.fork(parent);
    expect(child).not.toBe(parent);
    expect(machine.read(child, 20)).toBe(0);
    expect(machine.stats()).toEqual({ framesInUse: 0, copies: 0, processes: 2 });
  });

  test("the child reads every byte the parent had written", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    for (let address = 0; address < 64; address += 3) machine.write(parent, address, address + 1);
    const child = machine.fork(parent);
    for (let address = 0; address < 64; address++) expect(machine.read(child, address)).toBe(machine.read(parent, address));
    expect(machine.read(child, 9)).toBe(10);
  });

  test("fork and reads on both sides take no frame and copy nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1, 3], 7);
    const child = machine.fork(parent);
    for (let address = 0; address < 64; address++) machine.read(child, address) + machine.read(parent, address);
    expect(machine.stats()).toEqual({ framesInUse: 3, copies: 0, processes: 2 });
  });

  test("fork succeeds even when free memory could not hold a copy of the parent", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 4 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1, 2, 3], 1);
    const children = Array.from({ length: 6 }, () => machine.fork(parent));
    expect(new Set(children).size).toBe(6);
    expect(machine.stats()).toEqual({ framesInUse: 4, copies: 0, processes: 7 });
    expect(machine.read(children[5], 48)).toBe(1);
  });
});

describe("parent and child are isolated after writes", () => {
  test("a child's write is invisible to the parent", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    machine.write(parent, 5, 1);
    const child = machine.fork(parent);
    machine.write(child, 5, 2);
    expect([machine.read(parent, 5), machine.read(child, 5)]).toEqual([1, 2]);
  });

  test("a parent's write is invisible to the child", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    machine.write(parent, 5, 1);
    const child = machine.fork(parent);
    machine.write(parent, 5, 3);
    machine.write(parent, 6, 4);
    expect([machine.read(child, 5), machine.read(child, 6)]).toEqual([1, 0]);
    expect([machine.read(parent, 5), machine.read(parent, 6)]).toEqual([3, 4]);
  });

  test("a page neither side had written stays private once both write it", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    const child = machine.fork(parent);
    machine.write(child, 33, 8);
    machine.write(parent, 33, 9);
    expect([machine.read(parent, 33), machine.read(child, 33)]).toEqual([9, 8]);
  });

  test("a write after a fork keeps the rest of the page in the writer's copy", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    for (let i = 0; i < 16; i++) machine.write(parent, 16 + i, 100 + i);
    const child = machine.fork(parent);
    machine.write(child, 20, 0);
    const expected = Array.from({ length: 16 }, (_, i) => 100 + i);
    expect(pageOf(machine, parent, 1)).toEqual(expected);
    expect(pageOf(machine, child, 1)).toEqual(expected.map((b, i) => (i === 4 ? 0 : b)));
  });

  test("the first write to a shared page copies it once; later writes to it copy nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1], 1);
    const child = machine.fork(parent);
    machine.write(child, 2, 2);
    expect(machine.stats()).toEqual({ framesInUse: 3, copies: 1, processes: 2 });
    for (let i = 0; i < 16; i++) machine.write(child, i, i);
    expect(machine.stats()).toEqual({ framesInUse: 3, copies: 1, processes: 2 });
  });

  test("after the child copied, the parent's next write to that page copies nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    machine.write(parent, 0, 1);
    const child = machine.fork(parent);
    machine.write(child, 0, 2);
    machine.write(parent, 0, 3);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 1, processes: 2 });
    expect([machine.read(parent, 0), machine.read(child, 0)]).toEqual([3, 2]);
  });

  test("a grandchild, its parent and the first process each keep their own writes", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const first = machine.spawn();
    machine.write(first, 0, 1);
    const second = machine.fork(first);
    machine.write(second, 1, 2);
    const third = machine.fork(second);
    machine.write(third, 0, 3);
    expect([0, 1].map((a) => machine.read(first, a))).toEqual([1, 0]);
    expect([0, 1].map((a) => machine.read(second, a))).toEqual([1, 2]);
    expect([0, 1].map((a) => machine.read(third, a))).toEqual([3, 2]);
  });
});

describe("a frame shared by three processes", () => {
  test("is copied only for the writers that still share it; the last one just writes", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1], 5);
    const a = machine.fork(parent);
    const b = machine.fork(parent);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 0, processes: 3 });
    machine.write(a, 0, 10);
    expect(machine.stats()).toMatchObject({ framesInUse: 3, copies: 1 });
    machine.write(b, 0, 20);
    expect(machine.stats()).toMatchObject({ framesInUse: 4, copies: 2 });
    machine.write(parent, 0, 30);
    expect(machine.stats()).toMatchObject({ framesInUse: 4, copies: 2 });
    expect([parent, a, b].map((p) => machine.read(p, 0))).toEqual([30, 10, 20]);
    expect([parent, a, b].map((p) => machine.read(p, 16))).toEqual([5, 5, 5]);
  });

  test("when the other sharers exit, the last one writes without a copy even with memory full", () => {
    const machine = new Machine({ pageSize: 16, pages: 2, frames: 2 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1], 5);
    const a = machine.fork(parent);
    const b = machine.fork(parent);
    machine.exit(parent);
    machine.exit(a);
    machine.write(b, 0, 6);
    machine.write(b, 16, 7);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 0, processes: 1 });
    expect([machine.read(b, 0), machine.read(b, 16), machine.read(b, 1)]).toEqual([6, 7, 0]);
  });
});

describe("exit lets go", () => {
  test("a process that never wrote exits, and its pid is gone", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    machine.exit(pid);
    expect(machine.stats()).toEqual({ framesInUse: 0, copies: 0, processes: 0 });
    expect(() => machine.read(pid, 0)).toThrow(RangeError);
  });

  test("no frame is left in use after every process exits", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 16 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1, 2], 1);
    const a = machine.fork(parent);
    const b = machine.fork(a);
    touch(machine, a, [0, 3], 2);
    touch(machine, b, [1], 3);
    for (const pid of [a, parent, b]) machine.exit(pid);
    expect(machine.stats()).toMatchObject({ framesInUse: 0, processes: 0 });
  });

  test("exit frees only the frames no other process maps", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1], 1);
    const child = machine.fork(parent);
    touch(machine, child, [1, 2], 2);
    expect(machine.stats().framesInUse).toBe(4);
    machine.exit(child);
    expect(machine.stats().framesInUse).toBe(2);
    expect([machine.read(parent, 0), machine.read(parent, 16), machine.read(parent, 32)]).toEqual([1, 1, 0]);
  });

  test("an exited pid can no longer read, write, fork or exit", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    machine.write(pid, 0, 1);
    machine.exit(pid);
    expect(() => machine.read(pid, 0)).toThrow(RangeError);
    expect(() => machine.write(pid, 0, 1)).toThrow(RangeError);
    expect(() => machine.fork(pid)).toThrow(RangeError);
    expect(() => machine.exit(pid)).toThrow(RangeError);
    expect(machine.stats().framesInUse).toBe(0);
  });

  test("pids are never reused: after exits, spawn and fork still give new pids", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const first = machine.spawn();
    const seen = [first, machine.fork(first)];
    for (const pid of [...seen]) machine.exit(pid);
    for (let round = 0; round < 4; round++) {
      const pid = machine.spawn();
      const child = machine.fork(pid);
      for (const fresh of [pid, child]) {
        expect(seen, `pid ${fresh} was given out before`).not.toContain(fresh);
        seen.push(fresh);
      }
      machine.exit(round % 2 === 0 ? pid : child);
    }
    expect(() => machine.read(first, 0)).toThrow(RangeError);
  });

  test("frames freed by exit are used again: 200 fork-write-exit rounds fit in 3 frames", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 3 });
    const shell = machine.spawn();
    touch(machine, shell, [0, 1], 1);
    for (let round = 0; round < 200; round++) {
      const child = machine.fork(shell);
      machine.write(child, 0, round % 256);
      expect(machine.read(child, 0)).toBe(round % 256);
      machine.exit(child);
    }
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 200, processes: 1 });
    expect(machine.read(shell, 0)).toBe(1);
  });
});

describe("out of memory", () => {
  test("a write that needs a frame when none is free throws a RangeError and changes nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 2 });
    const parent = machine.spawn();
    touch(machine, parent, [0, 1], 1);
    const child = machine.fork(parent);
    expect(() => machine.write(child, 0, 9)).toThrow(RangeError);
    expect(() => machine.write(parent, 40, 9)).toThrow(RangeError);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 0, processes: 2 });
    expect([machine.read(child, 0), machine.read(parent, 0), machine.read(parent, 40)]).toEqual([1, 1, 0]);
    machine.exit(parent);
    machine.write(child, 0, 9);
    expect(machine.stats()).toEqual({ framesInUse: 2, copies: 0, processes: 1 });
    expect(machine.read(child, 0)).toBe(9);
  });
});

describe("bad input", () => {
  test("an unknown pid throws a RangeError and a non-number pid a TypeError", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    for (const bad of [pid + 1, -1, 0.5, Number.NaN]) {
      expect(() => machine.read(bad, 0), `read(${bad})`).toThrow(RangeError);
      expect(() => machine.write(bad, 0, 1), `write(${bad})`).toThrow(RangeError);
      expect(() => machine.fork(bad), `fork(${bad})`).toThrow(RangeError);
      expect(() => machine.exit(bad), `exit(${bad})`).toThrow(RangeError);
    }
    expect(() => machine.read(String(pid) as unknown as number, 0)).toThrow(TypeError);
    expect(machine.stats()).toEqual({ framesInUse: 0, copies: 0, processes: 1 });
  });

  test("an address outside the address space or not a whole number throws a RangeError", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    for (const bad of [-1, 64, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => machine.read(pid, bad), `read at ${bad}`).toThrow(RangeError);
      expect(() => machine.write(pid, bad, 1), `write at ${bad}`).toThrow(RangeError);
    }
    expect(() => machine.read(pid, "1" as unknown as number)).toThrow(TypeError);
  });

  test("a value that is not a byte throws and writes nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const pid = machine.spawn();
    for (const bad of [256, -1, 1.5, Number.NaN]) expect(() => machine.write(pid, 0, bad), `byte ${bad}`).toThrow(RangeError);
    expect(() => machine.write(pid, 0, "7" as unknown as number)).toThrow(TypeError);
    expect(machine.stats()).toEqual({ framesInUse: 0, copies: 0, processes: 1 });
  });

  test("a bad write to a shared page copies nothing", () => {
    const machine = new Machine({ pageSize: 16, pages: 4, frames: 8 });
    const parent = machine.spawn();
    machine.write(parent, 0, 1);
    const child = machine.fork(parent);
    expect(() => machine.write(child, 0, 300)).toThrow(RangeError);
    expect(machine.stats()).toEqual({ framesInUse: 1, copies: 0, processes: 2 });
  });

  test("machine options must be positive whole numbers", () => {
    for (const bad of [{ pageSize: 0 }, { pages: -1 }, { frames: 1.5 }, { frames: Number.NaN }, { pages: Number.POSITIVE_INFINITY }]) {
      expect(() => new Machine(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
});

describe("against a model", () => {
  type Op =
    | { kind: "spawn" }
    | { kind: "fork"; who: number }
    | { kind: "write"; who: number; address: number; byte: number }
    | { kind: "read"; who: number; address: number }
    | { kind: "exit"; who: number };

  const PAGE_SIZE = 4;
  const PAGES = 4;
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant({ kind: "spawn" as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant("fork" as const), who: fc.nat(20) }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant("write" as const), who: fc.nat(20), address: fc.nat(PAGE_SIZE * PAGES - 1), byte: fc.nat(255) }), weight: 6 },
    { arbitrary: fc.record({ kind: fc.constant("read" as const), who: fc.nat(20), address: fc.nat(PAGE_SIZE * PAGES - 1) }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant("exit" as const), who: fc.nat(20) }), weight: 2 },
  );

  test("any run of spawn, fork, write, read and exit matches eager copying, with exactly the copies needed (randomized)", () => {
    checkAgainstModel(fc.array(op, { minLength: 1, maxLength: 60 }), (ops, step) => {
        const machine = new Machine({ pageSize: PAGE_SIZE, pages: PAGES, frames: 512 });
        // Eager copying: every process owns a full private copy of its memory.
        const eager = new Map<number, Uint8Array>();
        // Which frame each page would hold under ideal copy-on-write, and who shares it.
        const frameOf = new Map<number, (number | undefined)[]>();
        const sharers = new Map<number, number>();
        let nextFrame = 0;
        let copies = 0;
        const live = (): number[] => [...eager.keys()];
        const pick = (who: number): number | undefined => (eager.size === 0 ? undefined : live()[who % eager.size]);

        for (const [i, o] of ops.entries()) {
          step(i + 1);
          if (o.kind === "spawn") {
            const pid = machine.spawn();
            expect(eager.has(pid)).toBe(false);
            eager.set(pid, new Uint8Array(PAGE_SIZE * PAGES));
            frameOf.set(pid, new Array(PAGES).fill(undefined));
            continue;
          }
          const pid = pick(o.who);
          if (pid === undefined) continue;
          if (o.kind === "fork") {
            const child = machine.fork(pid);
            expect(eager.has(child)).toBe(false);
            eager.set(child, eager.get(pid)!.slice());
            frameOf.set(child, [...frameOf.get(pid)!]);
            for (const f of frameOf.get(child)!) if (f !== undefined) sharers.set(f, sharers.get(f)! + 1);
          } else if (o.kind === "write") {
            machine.write(pid, o.address, o.byte);
            eager.get(pid)![o.address] = o.byte;
            const frames = frameOf.get(pid)!;
            const page = Math.floor(o.address / PAGE_SIZE);
            const f = frames[page];
            if (f === undefined || sharers.get(f)! > 1) {
              if (f !== undefined) {
                sharers.set(f, sharers.get(f)! - 1);
                copies += 1;
              }
              frames[page] = nextFrame;
              sharers.set(nextFrame++, 1);
            }
          } else if (o.kind === "read") {
            expect(machine.read(pid, o.address), `read(${pid}, ${o.address})`).toBe(eager.get(pid)![o.address]);
          } else {
            machine.exit(pid);
            eager.delete(pid);
            for (const f of frameOf.get(pid)!) if (f !== undefined) sharers.set(f, sharers.get(f)! - 1);
            frameOf.delete(pid);
          }
          const inUse = [...sharers.values()].filter((n) => n > 0).length;
          const eagerFrames = [...frameOf.values()].flat().filter((f) => f !== undefined).length;
          const stats = machine.stats();
          expect(stats, "stats()").toEqual({ framesInUse: inUse, copies, processes: eager.size });
          expect(stats.framesInUse, "stats().framesInUse against eager copying's frames").toBeLessThanOrEqual(eagerFrames);
        }
        step(ops.length + 1);
        for (const [pid, bytes] of eager) {
          for (let a = 0; a < bytes.length; a++) expect(machine.read(pid, a), `read(${pid}, ${a}) at the end`).toBe(bytes[a]);
        }
        for (const pid of live()) machine.exit(pid);
        expect(machine.stats().framesInUse, "stats().framesInUse once every process has exited").toBe(0);
      },
      {
        numRuns: 300,
        seed: 8,
        describe: (ops) => [...ops.map(describeOp), "read every address of every live process, then exit them all"],
        setting: `a machine of ${PAGES} pages of ${PAGE_SIZE} bytes, 512 frames; "process #n" is the n-th live process, counted modulo how many are alive`,
      },
    );
  });
});

/** One generated operation in the words of the lesson's API. */
function describeOp(o: { kind: string; who?: number; address?: number; byte?: number }): string {
  switch (o.kind) {
    case "spawn": return "spawn()";
    case "fork": return `fork(process #${o.who})`;
    case "write": return `write(process #${o.who}, address ${o.address}, byte ${o.byte})`;
    case "read": return `read(process #${o.who}, address ${o.address})`;
    default: return `exit(process #${o.who})`;
  }
}

