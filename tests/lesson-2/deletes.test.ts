/**
 * Hidden tests for lesson 2: the store stays balanced after deletes (contract: DESIGN.md,
 * "lesson-2": "reads stay fast"; the lesson's README: "whatever order keys were set and
 * deleted in"). A delete that stitches the removed node's two subtrees together carelessly
 * (always hanging one below the other, whatever their balance) leaves a tree hundreds of
 * levels deep once most keys are gone, though it still holds the right keys. Each test
 * weighs reads of the keys left in such a store against the same number of reads in a
 * store that holds as many keys and never saw a delete (tests/support/cost.ts), so the
 * verdict does not depend on the machine's speed. Any balanced design passes (a treap, an
 * AVL or red-black tree, a B-tree, a HAMT).
 */
import { describe, expect, test } from "vitest";
import { SnapshotStore } from "@impl/lesson-2/snapshot-store.ts";
import { expectCostWithin, type CostCase } from "../support/cost.ts";

const COUNT = 20_000;
const KEPT = COUNT / 10;
const keyOf = (n: number) => `k${String(n).padStart(6, "0")}`;
/** The i-th of COUNT keys in an order spread over the whole key range (7919 and 104729 are primes). */
const spreadKey = (i: number) => keyOf((i * 7919) % COUNT);
const deletionKey = (i: number) => keyOf((i * 104_729) % COUNT);

/** Reads each of `keys` in turn from `store`. */
function readingAll(store: SnapshotStore<number>, keys: readonly string[], label: string): CostCase {
  return { label, op: (r) => store.get(keys[r % keys.length]) };
}

/** A store that never saw a delete, holding `keys` (each mapped to its index). */
function freshStoreOf(keys: readonly string[]): SnapshotStore<number> {
  const store = new SnapshotStore<number>();
  keys.forEach((key, i) => store.set(key, i));
  return store;
}

describe("balance after deletes", () => {
  test("20,000 keys set, then 18,000 of them deleted: the 2,000 left read back as fast as in a store that never deleted, and a snapshot from before keeps all 20,000", () => {
    const store = new SnapshotStore<number>();
    for (let i = 0; i < COUNT; i++) store.set(spreadKey(i), i);
    const before = store.snapshot();
    const deleted = new Set<string>();
    for (let i = 0; i < COUNT - KEPT; i++) {
      const key = deletionKey(i);
      expect(store.delete(key), `delete("${key}") of a key that is there`).toBe(true);
      deleted.add(key);
    }
    const left = Array.from({ length: COUNT }, (_, n) => keyOf(n)).filter((key) => !deleted.has(key));
    expect(store.size).toBe(KEPT);
    expect(store.keys()).toEqual(left);

    expectCostWithin({
      small: readingAll(freshStoreOf(left), left, `${KEPT} keys, never deleted`),
      large: readingAll(store, left, `${KEPT} keys left of ${COUNT}`),
      within: 8,
    }, "a get() of the keys left after deletes");

    expect(before.size).toBe(COUNT);
    let wrong = 0;
    for (let i = 0; i < COUNT; i++) if (before.get(spreadKey(i)) !== i) wrong++;
    expect(wrong, "keys of the snapshot taken before the deletes whose value changed").toBe(0);
  });

  test("five rounds of setting 20,000 keys and deleting nine in ten: the keys left read back as fast as in a store that never deleted", () => {
    const store = new SnapshotStore<number>();
    const snapshots = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < COUNT; i++) store.set(spreadKey(i), round);
      snapshots.push(store.snapshot());
      for (let i = 0; i < COUNT; i++) if (i % 10 !== 0) store.delete(deletionKey(i));
    }
    const left = store.keys();
    expect(left.length).toBe(KEPT);
    expect(left.every((key) => store.get(key) === 4), "every key left holds the last round's value").toBe(true);

    expectCostWithin({
      small: readingAll(freshStoreOf(left), left, `${KEPT} keys, never deleted`),
      large: readingAll(store, left, `${KEPT} keys left after five rounds of deletes`),
      within: 8,
    }, "a get() of the keys left after rounds of sets and deletes");

    expect(snapshots.map((s) => s.size), "each round's snapshot, taken before its deletes, holds every key").toEqual([COUNT, COUNT, COUNT, COUNT, COUNT]);
    expect(snapshots[2].get(spreadKey(123))).toBe(2);
  });
});
