/**
 * Hidden tests for lesson 2: the store stays balanced whatever order keys arrive in
 * (contract: DESIGN.md, "lesson-2": "reads stay fast"). A search tree that rebalances on
 * one side only, or not at all, degenerates into a list as long as the store when keys
 * arrive in decreasing order, alternately from both ends, or from the middle outwards:
 * a recursive insert down that list overflows the stack (a RangeError, whatever the
 * machine's speed), and 100,000 reads of the keys at its far end take billions of steps,
 * which the per-test time limit stops. A balanced design (a treap, an AVL or red-black
 * tree, a B-tree, a HAMT) does each test in a fraction of a second, thousands of times
 * fewer steps. The increasing order is at-scale.test.ts's.
 */
import { describe, expect, test } from "vitest";
import { SnapshotStore } from "@impl/lesson-2/snapshot-store.ts";

const COUNT = 20_000;
const READS = 100_000;
const keyOf = (n: number) => `k${String(n).padStart(6, "0")}`;

/** Orders that each push one side, or both in turn, of a tree that does not rebalance. */
const orders: ReadonlyArray<readonly [name: string, at: (i: number) => number]> = [
  ["decreasing", (i) => COUNT - 1 - i],
  ["alternately from both ends (0, 19999, 1, 19998, …)", (i) => (i % 2 === 0 ? i / 2 : COUNT - 1 - (i - 1) / 2)],
  ["from the middle outwards (10000, 9999, 10001, 9998, …)", (i) => (i % 2 === 0 ? COUNT / 2 + i / 2 : COUNT / 2 - 1 - (i - 1) / 2)],
];

describe("balance whatever the order keys arrive in", () => {
  test.each(orders)("20,000 keys inserted %s are all stored, and the last ones inserted read back fast, also from a snapshot", (_, at) => {
    const store = new SnapshotStore<number>();
    let halfWay = store.snapshot();
    for (let i = 0; i < COUNT; i++) {
      store.set(keyOf(at(i)), i);
      if (i === COUNT / 2 - 1) halfWay = store.snapshot();
    }
    expect(store.size).toBe(COUNT);
    // The last keys inserted sit at the far end of a list, if the tree degenerated into one.
    let sum = 0;
    for (let r = 0; r < READS; r++) sum += store.get(keyOf(at(COUNT - 1 - (r % 50))))!;
    expect(sum, "the sum of the values read").toBe((READS / 50) * (50 * (COUNT - 1) - (49 * 50) / 2));
    let wrong = 0;
    for (let i = 0; i < COUNT; i++) if (store.get(keyOf(at(i))) !== i) wrong++;
    expect(wrong, "keys whose value is not the one set").toBe(0);
    const keys = store.keys();
    expect([keys.length, keys[0], keys[COUNT - 1]]).toEqual([COUNT, keyOf(0), keyOf(COUNT - 1)]);
    expect(halfWay.size).toBe(COUNT / 2);
    expect(halfWay.get(keyOf(at(COUNT / 2 - 1)))).toBe(COUNT / 2 - 1);
    expect(halfWay.has(keyOf(at(COUNT / 2)))).toBe(false);
  });
});
