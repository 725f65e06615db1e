/**
 * Hidden tests for lesson 2 at scale: copy-on-write must share, not copy. Each test does
 * thousands of snapshots, writes, restores or reads on a store of 100,000 keys. A design
 * that shares structure (O(1) snapshot and restore, O(log n) reads and writes) finishes
 * each in a fraction of a second; one that copies the store per snapshot, per first
 * write or per restore, or whose reads walk a chain of every snapshot ever taken, does
 * hundreds of millions of steps and is stopped by the 5-second limit. No test measures
 * time itself: the gap is far wider than any machine's noise.
 */
import { describe, expect, test } from "vitest";
import { SnapshotStore, type Snapshot } from "@impl/lesson-2/snapshot-store.ts";

const KEY_COUNT = 100_000;
const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `key-${i}`);

/** A store holding key-i → i for every key. */
function bigStore(): SnapshotStore<number> {
  const store = new SnapshotStore<number>();
  for (let i = 0; i < KEY_COUNT; i++) store.set(KEYS[i], i);
  return store;
}

/** A key spread over the whole store, so that writes do not all land in one corner. */
function spread(i: number): string {
  return KEYS[(i * 7919) % KEY_COUNT];
}

describe("at scale: copy-on-write must share, not copy", () => {
  test("snapshot() must not copy the store: 5,000 snapshots of a 100,000-key store", () => {
    const store = bigStore();
    const snapshots: Snapshot<number>[] = [];
    for (let i = 0; i < 5_000; i++) snapshots.push(store.snapshot());
    expect(snapshots[0].size).toBe(KEY_COUNT);
    expect(snapshots[4_999].get(KEYS[12_345])).toBe(12_345);
    store.set(KEYS[0], -1);
    expect(store.snapshot().id, "a snapshot of a changed store gets a new id").not.toBe(snapshots[4_999].id);
  });

  test("a write after a snapshot must copy only what it changes, not the whole store", () => {
    const store = bigStore();
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
    const store = bigStore();
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
    // Keys in increasing order turn an unbalanced search tree into a 100,000-deep list.
    const sorted = Array.from({ length: KEY_COUNT }, (_, i) => `sorted-${String(i).padStart(6, "0")}`);
    const store = new SnapshotStore<number>();
    const snapshots: Snapshot<number>[] = [];
    sorted.forEach((k, i) => {
      store.set(k, i);
      if (i % 10_000 === 0) snapshots.push(store.snapshot());
    });
    let sum = 0;
    for (let i = 0; i < KEY_COUNT; i++) sum += store.get(sorted[i])!;
    expect(sum).toBe(((KEY_COUNT - 1) * KEY_COUNT) / 2);
    expect(snapshots[5].size).toBe(50_001);
    expect(snapshots[5].get(sorted[50_000])).toBe(50_000);
    expect(snapshots[5].has(sorted[50_001])).toBe(false);
  });

  test("reads stay fast when thousands of snapshots exist: 100,000 reads after 10,000 snapshots", () => {
    const store = bigStore();
    for (let i = 0; i < 10_000; i++) {
      store.snapshot();
      store.set(`new-${i}`, i);
    }
    const newest = store.snapshot();
    let sum = 0;
    for (let i = 0; i < KEY_COUNT; i++) sum += store.get(KEYS[i])!;
    for (let i = 0; i < KEY_COUNT; i += 10) sum -= newest.get(KEYS[i])!;
    expect(sum).toBe(((KEY_COUNT - 1) * KEY_COUNT) / 2 - (KEY_COUNT / 10) * ((KEY_COUNT - 10) / 2));
    expect(newest.size).toBe(KEY_COUNT + 10_000);
  });
});
