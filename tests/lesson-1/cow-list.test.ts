/**
 * Hidden tests for lesson 1 (contract: DESIGN.md, "lesson-1"). They use only the
 * public API of CowList, so any correct design passes.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CowList } from "@impl/lesson-1/cow-list.ts";
import { collect } from "../support/iterate.ts";
import { expectCostWithin } from "../support/cost.ts";
import { checkAgainstModel } from "../support/model.ts";
import { describeValue } from "../../lib/describe-value.ts";

describe("reading before any write", () => {
  test("get() returns the original's values", () => {
    const list = new CowList(["a", "b", "c"]);
    expect([list.get(0), list.get(1), list.get(2)]).toEqual(["a", "b", "c"]);
  });

  test("length is the original's length", () => {
    expect(new CowList([1, 2, 3, 4]).length).toBe(4);
    expect(new CowList([]).length).toBe(0);
  });

  test("a fresh list is not copied and holds no copied slots", () => {
    const list = new CowList([1, 2, 3]);
    list.get(0);
    expect(list.isCopied).toBe(false);
    expect(list.copiedCount).toBe(0);
  });
});

describe("writing", () => {
  test("get() sees a value written with set()", () => {
    const list = new CowList(["a", "b", "c"]);
    list.set(1, "B");
    expect(list.get(1)).toBe("B");
    expect(list.get(0)).toBe("a");
    expect(list.get(2)).toBe("c");
  });

  test("the original array is never changed by set()", () => {
    const original = ["a", "b", "c"];
    const list = new CowList(original);
    list.set(0, "A");
    list.set(2, "C");
    expect(original).toEqual(["a", "b", "c"]);
  });

  test("a frozen original works: writes never touch it", () => {
    const original = Object.freeze([1, 2, 3]);
    const list = new CowList(original);
    list.set(1, 20);
    expect(list.toArray()).toEqual([1, 20, 3]);
    expect(original).toEqual([1, 2, 3]);
  });

  test("the last write to an index wins", () => {
    const list = new CowList([0, 0]);
    list.set(1, 5);
    list.set(1, 7);
    expect(list.get(1)).toBe(7);
  });

  test("isCopied turns true with the first write", () => {
    const list = new CowList([1, 2, 3]);
    list.set(2, 9);
    expect(list.isCopied).toBe(true);
  });

  test("copiedCount counts distinct indices written", () => {
    const list = new CowList([1, 2, 3, 4]);
    list.set(0, 10);
    list.set(3, 40);
    list.set(0, 11);
    expect(list.copiedCount).toBe(2);
  });

  test("writing the value already there still counts as a write", () => {
    const list = new CowList(["same"]);
    list.set(0, "same");
    expect(list.isCopied).toBe(true);
    expect(list.copiedCount).toBe(1);
  });

  test("values 0, empty string, false, null and undefined are written and read back", () => {
    const list = new CowList<unknown>([1, "x", true, {}, 5]);
    const values = [0, "", false, null, undefined];
    values.forEach((v, i) => list.set(i, v));
    expect(values.map((_, i) => list.get(i))).toEqual(values);
    expect(list.get(4)).toBe(undefined);
    expect(list.copiedCount).toBe(5);
  });

  test("values are stored by reference, not cloned", () => {
    const shared = { n: 1 };
    const list = new CowList<{ n: number }>([{ n: 0 }]);
    list.set(0, shared);
    expect(list.get(0)).toBe(shared);
  });
});

describe("several lists over one original", () => {
  test("each list keeps its own writes", () => {
    const original = ["x", "y", "z"];
    const first = new CowList(original);
    const second = new CowList(original);
    first.set(0, "first");
    second.set(2, "second");
    expect(first.toArray()).toEqual(["first", "y", "z"]);
    expect(second.toArray()).toEqual(["x", "y", "second"]);
    expect(original).toEqual(["x", "y", "z"]);
    expect(second.copiedCount).toBe(1);
  });
});

describe("the constructor", () => {
  test("anything but an array throws a TypeError, even what looks like one", () => {
    // A string and an array-like object have a length and indices: only the check stops them.
    for (const bad of ["abc", { length: 2, 0: "a", 1: "b" }, new Uint8Array(2), 42, null, undefined]) {
      expect(() => new CowList(bad as unknown as unknown[]), `new CowList(${describeValue(bad)})`).toThrow(TypeError);
    }
  });
});

describe("index checks", () => {
  const bad = [-1, 3, 1.5, Number.NaN, Number.POSITIVE_INFINITY];

  test("get() throws a RangeError outside 0..length-1 or for a non-integer", () => {
    const list = new CowList([1, 2, 3]);
    for (const index of bad) expect(() => list.get(index), `get(${index})`).toThrow(RangeError);
  });

  test("set() throws a RangeError for the same indices and changes nothing", () => {
    const list = new CowList([1, 2, 3]);
    for (const index of bad) expect(() => list.set(index, 0), `set(${index})`).toThrow(RangeError);
    expect(list.isCopied).toBe(false);
    expect(list.copiedCount).toBe(0);
    expect(list.toArray()).toEqual([1, 2, 3]);
  });

  test("an empty list has no valid index", () => {
    const list = new CowList<number>([]);
    expect(() => list.get(0)).toThrow(RangeError);
    expect(() => list.set(0, 1)).toThrow(RangeError);
  });
});

describe("reading the whole list", () => {
  test("toArray() shows the original with the writes applied", () => {
    const list = new CowList([1, 2, 3]);
    list.set(1, 20);
    expect(list.toArray()).toEqual([1, 20, 3]);
  });

  test("toArray() returns a new array on every call", () => {
    const list = new CowList([1, 2]);
    const first = list.toArray();
    first[0] = 99;
    expect(list.toArray()).toEqual([1, 2]);
    expect(list.toArray()).not.toBe(list.toArray());
  });

  test("toArray() of an untouched list is a copy, not the original itself", () => {
    const original = [1, 2];
    const list = new CowList(original);
    const out = list.toArray();
    expect(out).not.toBe(original);
    out.push(3);
    expect(original).toEqual([1, 2]);
  });

  test("iterating yields every value in order, writes included", () => {
    const list = new CowList(["a", "b", "c"]);
    list.set(2, "C");
    expect(collect(list, 3)).toEqual(["a", "b", "C"]);
  });

  test("iterating twice gives the same values; each iteration starts afresh", () => {
    const list = new CowList([1, 2]);
    expect(collect(list, 2)).toEqual([1, 2]);
    expect(collect(list, 2)).toEqual([1, 2]);
  });
});

describe("against a model", () => {
  test("any sequence of writes matches a plain copied array (randomized)", () => {
    const scenario = fc
      .array(fc.integer(), { minLength: 1, maxLength: 20 })
      .chain((original) =>
        fc.tuple(
          fc.constant(original),
          fc.array(fc.tuple(fc.nat(original.length - 1), fc.oneof(fc.integer(), fc.constant(undefined))), { maxLength: 40 }),
        ),
      );
    checkAgainstModel(scenario, ([original, writes], step) => {
      const before = [...original];
      const model: (number | undefined)[] = [...original];
      const list = new CowList<number | undefined>(original);
      const written = new Set<number>();
      for (const [i, [index, value]] of writes.entries()) {
        step(i + 2);
        list.set(index, value);
        model[index] = value;
        written.add(index);
        expect(list.get(index), `get(${index}) right after set(${index}, ${value})`).toBe(value);
      }
      step(writes.length + 2);
      expect(list.toArray(), "toArray()").toEqual(model);
      expect(list.copiedCount, "copiedCount").toBe(written.size);
      expect(list.isCopied, "isCopied").toBe(written.size > 0);
      expect(original, "the original array").toEqual(before);
    }, {
      numRuns: 200,
      describe: ([original, writes]) => [
        `new CowList([${original.join(", ")}])`,
        ...writes.map(([index, value]) => `set(${index}, ${value})`),
        "toArray(), copiedCount, isCopied, and the original array",
      ],
    });
  });
});

// The cost tests weigh the list against itself (tests/support/cost.ts): an operation on a
// list of 1,000,000 items, or with 20,000 written slots, against the same operation on a
// small one, timed in turn in this process, so that no verdict depends on the machine's
// speed. A copy of the list, or of the overlay, costs hundreds of times more, and is
// caught before the test's full-size workload would run for minutes.

/** The array 0..n-1. Lists over one original are independent, so a test makes it once. */
function upTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A list over `original` with the slots 0, 50, 100, ... written, `written` of them (50 × written <= length). */
function listWithWrites(original: readonly number[], written: number): CowList<number> {
  const list = new CowList(original);
  for (let i = 0; i < written; i++) list.set(i * 50, -i);
  return list;
}

/**
 * The slots an operation touches, in turn: the first 8 and the last 8 written by
 * listWithWrites (the far ends of an overlay kept in order of writing, whichever end a
 * search starts from) and 8 never written (a search that finds nothing goes through all).
 */
function touchedSlots(n: number, written: number): number[] {
  const first = Array.from({ length: 8 }, (_, i) => (i * 50) % n);
  const last = Array.from({ length: 8 }, (_, i) => ((written - 1 - i) * 50) % n);
  const unwritten = Array.from({ length: 8 }, (_, i) => (25 + i * 50) % n);
  return [...first, ...last, ...unwritten];
}

describe("the cost of writing", () => {
  test("set() on a list over 1,000,000 items costs the same as on a small one (no full copy)", () => {
    const thousand = upTo(1_000);
    const million = upTo(1_000_000);
    const writing = (list: CowList<number>, n: number, written: number) => {
      const slots = touchedSlots(n, written);
      return (i: number) => list.set(slots[i % slots.length], i);
    };
    expectCostWithin({
      small: { label: "1,000 items", op: writing(listWithWrites(thousand, 10), 1_000, 10) },
      large: { label: "1,000,000 items", op: writing(listWithWrites(million, 10), 1_000_000, 10) },
      within: 10,
    }, "set()");
    // The overlay grows in steps, each weighed against 64 written slots, so that a copy of
    // the overlay on every write is caught while the overlay is still small.
    const few = listWithWrites(million, 64);
    const growing = listWithWrites(million, 64);
    for (let written = 256, before = 64; written <= 16_384; before = written, written *= 4) {
      for (let i = before; i < written; i++) growing.set(i * 50, -i);
      expectCostWithin({
        small: { label: "64 written slots", op: writing(few, 1_000_000, 64) },
        large: { label: `${written} written slots`, op: writing(growing, 1_000_000, written) },
        within: 10,
      }, "set()");
    }

    const big = new CowList(million);
    for (let i = 0; i < 20_000; i++) big.set(i * 50, -i);
    expect(big.copiedCount).toBe(20_000);
    expect(big.get(50)).toBe(-1);
    expect(million[50], "the original").toBe(50);
  });

  test("set() reads at most one element of the original, the first write included (no copy on first write)", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    let reads = 0;
    // A proxy counts every element read; Array.isArray still sees an array.
    const original = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver);
      },
    });
    const list = new CowList(original);
    reads = 0; // copying in the constructor is allowed; the writes must not copy
    for (let i = 0; i < 100; i++) list.set(i * 97, -i);
    expect(reads, "elements of the original read by 100 calls of set()").toBeLessThanOrEqual(100);
    expect(list.get(97)).toBe(-1);
    expect(items[97]).toBe(97);
  });
});

describe("the cost of reading", () => {
  test("get() reads one slot: its cost grows neither with the list nor with the written slots", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    let reads = 0;
    const original = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver);
      },
    });
    const list = new CowList(original);
    for (let i = 0; i < 100; i++) list.set(i * 97, -i);
    reads = 0;
    for (let i = 0; i < 200; i++) list.get(i * 13);
    expect(reads, "elements of the original read by 200 calls of get()").toBeLessThanOrEqual(200);

    const reading = (list: CowList<number>, n: number, written: number) => {
      const slots = touchedSlots(n, written);
      return (i: number) => list.get(slots[i % slots.length]);
    };
    const million = upTo(1_000_000);
    expectCostWithin({
      small: { label: "1,000 items", op: reading(listWithWrites(upTo(1_000), 10), 1_000, 10) },
      large: { label: "1,000,000 items", op: reading(listWithWrites(million, 10), 1_000_000, 10) },
      within: 10,
    }, "get()");
    // A list of 50,000 items: even a set() that copies the whole list builds these quickly.
    const fifty = upTo(50_000);
    expectCostWithin({
      small: { label: "32 written slots", op: reading(listWithWrites(fifty, 32), 50_000, 32) },
      large: { label: "1,000 written slots", op: reading(listWithWrites(fifty, 1_000), 50_000, 1_000) },
      within: 10,
    }, "get()");
  });
});
