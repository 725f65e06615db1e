/**
 * Hidden tests for lesson 2: the store stays balanced whatever order keys arrive in
 * (contract: DESIGN.md, "lesson-2": "reads stay fast"). A search tree that rebalances on
 * one side only, or not at all, degenerates into a list as long as the store when keys
 * arrive in decreasing order, alternately from both ends, or from the middle outwards:
 * then reading the last keys inserted costs a step per key. Each test grows the store in
 * steps and weighs those reads against the same reads in a 128-key store
 * (tests/support/cost.ts), so such a list is caught while it is still short, whatever the
 * machine's speed; a recursive insert down it may overflow the stack first (a RangeError).
 * A balanced design (a treap, an AVL or red-black tree, a B-tree, a HAMT) costs about
 * the same at every size. The increasing order is at-scale.test.ts's.
 */
import { describe, expect, test } from "vitest";
import { SnapshotStore } from "@impl/lesson-2/snapshot-store.ts";
import { expectCostWithin, type CostCase } from "../support/cost.ts";

const COUNT = 20_000;
const READS = 100_000;
const keyOf = (n: number) => `k${String(n).padStart(6, "0")}`;

/** Orders that each push one side, or both in turn, of a tree that does not rebalance: the i-th of n keys. */
const orders: ReadonlyArray<readonly [name: string, at: (n: number, i: number) => number]> = [
  ["decreasing", (n, i) => n - 1 - i],
  ["alternately from both ends (0, 19999, 1, 19998, …)", (n, i) => (i % 2 === 0 ? i / 2 : n - 1 - (i - 1) / 2)],
  ["from the middle outwards (10000, 9999, 10001, 9998, …)", (n, i) => (i % 2 === 0 ? n / 2 + i / 2 : n / 2 - 1 - (i - 1) / 2)],
];

/** Reads one of the last 50 keys inserted into `store`, whose first `size` keys of n arrived in `at`'s order. */
function readingLast(store: SnapshotStore<number>, at: (n: number, i: number) => number, n: number, size: number, label: string): CostCase {
  return { label, op: (r) => store.get(keyOf(at(n, size - 1 - (r % 50)))) };
}

describe("balance whatever the order keys arrive in", () => {
  test.each(orders)("20,000 keys inserted %s are all stored, and the last ones inserted read back fast, also from a snapshot", (order, at) => {
    const small = new SnapshotStore<number>();
    for (let i = 0; i < 128; i++) small.set(keyOf(at(128, i)), i);
    const store = new SnapshotStore<number>();
    let halfWay = store.snapshot();
    let size = 0;
    for (const step of [512, 2_048, 8_192, COUNT]) {
      for (; size < step; size++) {
        store.set(keyOf(at(COUNT, size)), size);
        if (size === COUNT / 2 - 1) halfWay = store.snapshot();
      }
      expectCostWithin({
        small: readingLast(small, at, 128, 128, "128 keys"),
        large: readingLast(store, at, COUNT, size, `${size} keys`),
        within: 8,
      }, `a get() of the last keys inserted ${order}`);
    }
    expect(store.size).toBe(COUNT);
    // The last keys inserted sit at the far end of a list, if the tree degenerated into one.
    let sum = 0;
    for (let r = 0; r < READS; r++) sum += store.get(keyOf(at(COUNT, COUNT - 1 - (r % 50))))!;
    expect(sum, "the sum of the values read").toBe((READS / 50) * (50 * (COUNT - 1) - (49 * 50) / 2));
    let wrong = 0;
    for (let i = 0; i < COUNT; i++) if (store.get(keyOf(at(COUNT, i))) !== i) wrong++;
    expect(wrong, "keys whose value is not the one set").toBe(0);
    const keys = store.keys();
    expect([keys.length, keys[0], keys[COUNT - 1]]).toEqual([COUNT, keyOf(0), keyOf(COUNT - 1)]);
    expect(halfWay.size).toBe(COUNT / 2);
    expect(halfWay.get(keyOf(at(COUNT, COUNT / 2 - 1)))).toBe(COUNT / 2 - 1);
    expect(halfWay.has(keyOf(at(COUNT, COUNT / 2)))).toBe(false);
  });
});
