/**
 * Hidden tests for lesson 2 at scale: copy-on-write must share, not copy. Each test first
 * weighs one operation of the store against itself: its cost on a large store against
 * its cost on a small one (or after thousands of snapshots against after a few), timed
 * in turn in this process (tests/support/cost.ts), so the verdict is the same on a fast
 * or a slow machine, idle or busy. A design that shares structure (O(1) snapshot and
 * restore, O(log n) reads and writes) costs about the same at both sizes; one that copies
 * the store per snapshot, per first write or per restore, that walks a chain of every
 * snapshot ever taken, or whose tree degenerates into a list on sorted keys, costs
 * a hundred times more and fails here quickly, before the test's full-size workload
 * (which then checks the results) would run for minutes. Any sharing design passes (a
 * treap, a hash array mapped trie and a B-tree of sorted chunks were each tried).
 */
import { describe, expect, test } from "vitest";
import { SnapshotStore, type Snapshot } from "@impl/lesson-2/snapshot-store.ts";
import { expectCostWithin, type CostCase } from "../support/cost.ts";

const KEY_COUNT = 100_000;
const SMALL_COUNT = 1_000;
const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `key-${i}`);
const SORTED_LAST = 999_999;
const sortedKey = (i: number) => `sorted-${String(i).padStart(6, "0")}`;

/**
 * A store holding key-i → i for the first `count` keys. A large one grows in steps, each
 * weighed against a 1,000-key store, so that a tree which degenerates on this insertion
 * order fails here, early, instead of taking minutes to build.
 */
function storeOf(count: number): SnapshotStore<number> {
  const store = new SnapshotStore<number>();
  let size = 0;
  const growTo = (target: number) => {
    for (; size < target; size++) store.set(KEYS[size], size);
  };
  if (count <= SMALL_COUNT) {
    growTo(count);
    return store;
  }
  const small = storeOf(SMALL_COUNT);
  for (let step = 4 * SMALL_COUNT; size < count; step *= 4) {
    growTo(Math.min(step, count));
    expectCostWithin({ small: touchingLast(small, SMALL_COUNT, "1,000 keys"), large: touchingLast(store, size, `${size} keys`), within: 8 }, "a get() and a set() of the last keys inserted");
  }
  return store;
}

/** Reads and rewrites one of the last 32 keys inserted into a store of `count` keys. */
function touchingLast(store: SnapshotStore<number>, count: number, label: string): CostCase {
  return {
    label,
    op: (i) => {
      const key = KEYS[count - 1 - (i % 32)];
      store.set(key, store.get(key)!);
    },
  };
}

function spread(i: number): string {
  return KEYS[(i * 7919) % KEY_COUNT];
}

/**
 * One of 64 keys spread over a `count`-key store. The cost comparisons write these few
 * keys over and over, so that the paths to them stay in the processor's caches at both
 * sizes and what is weighed is the work done, not the cache misses of a large store.
 */
function hotKey(count: number, i: number): string {
  return KEYS[((i % 64) * 7919) % count];
}

/**
 * `op` on a 1,000-key store against `op` on a 100,000-key store: a hundred times the
 * keys may cost a few times more (a deeper tree, colder caches), never anything near a
 * hundred times, which is what a copy of the store costs.
 */
function expectSameCostAtBothSizes(what: string, op: (store: SnapshotStore<number>, count: number) => (i: number) => void): void {
  const at = (count: number, label: string): CostCase => ({ label, op: op(storeOf(count), count) });
  expectCostWithin({ small: at(SMALL_COUNT, "1,000 keys"), large: at(KEY_COUNT, "100,000 keys"), within: 12 }, what);
}

describe("at scale: copy-on-write must share, not copy", () => {
  test("snapshot() must not copy the store: 5,000 snapshots of a 100,000-key store", () => {
    expectSameCostAtBothSizes("snapshot()", (store) => {
      let last: Snapshot<number> | undefined;
      return () => {
        last = store.snapshot();
      };
    });

    const store = storeOf(KEY_COUNT);
    const snapshots: Snapshot<number>[] = [];
    for (let i = 0; i < 5_000; i++) snapshots.push(store.snapshot());
    expect(snapshots[0].size).toBe(KEY_COUNT);
    expect(snapshots[4_999].get(KEYS[12_345])).toBe(12_345);
    store.set(KEYS[0], -1);
    expect(store.snapshot().id, "a snapshot of a changed store gets a new id").not.toBe(snapshots[4_999].id);
  });

  test("a write after a snapshot must copy only what it changes, not the whole store", () => {
    // Each operation writes after a snapshot twice, a delete and then a set, so the store
    // keeps its size however often the operation runs.
    expectSameCostAtBothSizes("a snapshot, then a delete; a snapshot, then a set", (store, count) => {
      let last: Snapshot<number> | undefined;
      return (i) => {
        const key = hotKey(count, i);
        last = store.snapshot();
        store.delete(key);
        last = store.snapshot();
        store.set(key, -i);
      };
    });

    const store = storeOf(KEY_COUNT);
    const snapshots: Snapshot<number>[] = [];
    for (let i = 0; i < 5_000; i++) {
      snapshots.push(store.snapshot());
      store.set(spread(i), -i - 1);
      store.delete(spread(i + 5_000));
    }
    expect(store.size).toBe(KEY_COUNT - 5_000);
    expect(snapshots[0].get(spread(0))).toBe((0 * 7919) % KEY_COUNT);
    expect(snapshots[1].get(spread(0))).toBe(-1);
    expect(snapshots[4_999].has(spread(4_999 + 5_000 - 1))).toBe(false);
    expect(snapshots[4_999].size).toBe(KEY_COUNT - 4_999);
  });

  test("restore() must not copy the store: 5,000 restores of a 100,000-key snapshot, each followed by a write", () => {
    expectSameCostAtBothSizes("restore() followed by a set()", (store, count) => {
      const base = store.snapshot();
      return (i) => {
        store.restore(base);
        store.set(hotKey(count, i), -1);
      };
    });

    const store = storeOf(KEY_COUNT);
    const base = store.snapshot();
    for (let i = 0; i < 5_000; i++) {
      store.restore(base);
      store.set(spread(i), -1);
      expect(store.get(spread(i))).toBe(-1);
    }
    expect(store.get(spread(0))).toBe((0 * 7919) % KEY_COUNT);
    expect(base.get(spread(4_999))).toBe((4_999 * 7919) % KEY_COUNT);
    expect(base.size).toBe(KEY_COUNT);
  });

  test("reads and writes stay fast when keys arrive in sorted order: 100,000 of them, with snapshots along the way", () => {
    // Keys in increasing (or decreasing) order turn an unbalanced search tree into a
    // list as long as the store: then reaching the last key inserted costs a step per
    // key. The store grows from 128 keys in steps, each weighed against 128 keys, so such
    // a list is caught while it is still short; then 100,000 keys in both orders, which
    // a recursive walk down such a list would not survive either.
    for (const order of ["increasing", "decreasing"] as const) {
      const keyAt = (i: number) => sortedKey(order === "increasing" ? i : SORTED_LAST - i);
      /** Reads and rewrites one of the last 50 keys inserted, the deepest in such a list. */
      const touchLast = (store: SnapshotStore<number>, count: number) => (i: number) => {
        const key = keyAt(count - 1 - (i % 50));
        store.set(key, (store.get(key) ?? 0) + 1);
      };
      const small = new SnapshotStore<number>();
      for (let i = 0; i < 128; i++) small.set(keyAt(i), i);
      const growing = new SnapshotStore<number>();
      let count = 0;
      for (let size = 512; size <= 16_384; size *= 2) {
        for (; count < size; count++) growing.set(keyAt(count), count);
        expectCostWithin({
          small: { label: `128 keys (${order})`, op: touchLast(small, 128) },
          large: { label: `${size} keys (${order})`, op: touchLast(growing, size) },
          within: 8,
        }, `a get() and a set() of the last keys inserted in ${order} order`);
      }
    }

    for (const order of ["increasing", "decreasing"] as const) {
      const keyAt = (i: number) => sortedKey(order === "increasing" ? i : SORTED_LAST - i);
      const store = new SnapshotStore<number>();
      const snapshots: Snapshot<number>[] = [];
      for (let i = 0; i < KEY_COUNT; i++) {
        store.set(keyAt(i), i);
        if (i % 10_000 === 0) snapshots.push(store.snapshot());
      }
      let sum = 0;
      for (let i = 0; i < KEY_COUNT; i++) sum += store.get(keyAt(i))!;
      expect(sum, `the sum of all values, keys inserted in ${order} order`).toBe(((KEY_COUNT - 1) * KEY_COUNT) / 2);
      expect(snapshots[5].size).toBe(50_001);
      expect(snapshots[5].get(keyAt(50_000))).toBe(50_000);
      expect(snapshots[5].has(keyAt(50_001))).toBe(false);
    }
  });

  test("reads stay fast when thousands of snapshots exist: 100,000 reads after 10,000 snapshots", () => {
    // Taking the snapshots must be cheap first, or taking 10,000 of them would never end.
    // 64 keys the store lacks at first, set again and again: the store keeps its size.
    expectSameCostAtBothSizes("a snapshot, then a set of a key beyond the store's", (store) => {
      let last: Snapshot<number> | undefined;
      return (i) => {
        last = store.snapshot();
        store.set(`new-${i % 64}`, i);
      };
    });
    /** A store of `count` keys after `rounds` snapshots, each followed by a write of a new key. */
    const afterSnapshots = (count: number, rounds: number) => {
      const store = storeOf(count);
      for (let i = 0; i < rounds; i++) {
        store.snapshot();
        store.set(`new-${i}`, i);
      }
      return { store, newest: store.snapshot() };
    };
    const reading = (label: string, { store, newest }: ReturnType<typeof afterSnapshots>): CostCase => ({
      label,
      op: (i) => {
        store.get(hotKey(SMALL_COUNT, i));
        newest.get(hotKey(SMALL_COUNT, i + 1));
      },
    });
    const few = reading("10 snapshots", afterSnapshots(SMALL_COUNT, 10));
    const many = reading("2,000 snapshots", afterSnapshots(SMALL_COUNT, 2_000));
    expectCostWithin({ small: few, large: many, within: 12 }, "a get() from the store and from its newest snapshot");

    const { store, newest } = afterSnapshots(KEY_COUNT, 10_000);
    let sum = 0;
    for (let i = 0; i < KEY_COUNT; i++) sum += store.get(KEYS[i])!;
    for (let i = 0; i < KEY_COUNT; i += 10) sum -= newest.get(KEYS[i])!;
    expect(sum).toBe(((KEY_COUNT - 1) * KEY_COUNT) / 2 - (KEY_COUNT / 10) * ((KEY_COUNT - 10) / 2));
    expect(newest.size).toBe(KEY_COUNT + 10_000);
  });
});
