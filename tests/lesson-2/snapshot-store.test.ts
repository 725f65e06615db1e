/**
 * Hidden tests for lesson 2 (contract: DESIGN.md, "lesson-2"): what a SnapshotStore and
 * its snapshots show, checked through the public API only, so any correct design passes
 * (a persistent tree, version stamps, merged overlays, ...). The scale tests, which tell
 * a copying design from a sharing one, are in at-scale.test.ts.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { SnapshotStore, type Snapshot } from "@impl/lesson-2/snapshot-store.ts";
import { NotImplementedError } from "../../lib/todo.ts";
import { checkAgainstModel } from "../support/model.ts";

/** Everything a reader can see of a store or a snapshot, for one comparison. */
function contents<V>(view: SnapshotStore<V> | Snapshot<V>): { size: number; entries: [string, V | undefined][] } {
  return { size: view.size, entries: view.keys().map((k) => [k, view.get(k)]) };
}

function storeOf<V>(entries: Record<string, V>): SnapshotStore<V> {
  const store = new SnapshotStore<V>();
  for (const [key, value] of Object.entries(entries)) store.set(key, value);
  return store;
}

/**
 * `fn` must refuse with a TypeError or a RangeError. An open TODO is rethrown as it is,
 * so the grader points at it; any other error fails the test and is named.
 */
function expectRefusal(fn: () => unknown, what: string): void {
  let threw = false;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    threw = true;
    error = e;
  }
  if (error instanceof NotImplementedError) throw error;
  expect(threw, `${what} should throw a TypeError or RangeError, but it returned normally`).toBe(true);
  expect(error instanceof TypeError || error instanceof RangeError, `${what} should throw a TypeError or RangeError, not ${String(error)}`).toBe(true);
}

/**
 * Snapshot ids are never reused for a different state (DESIGN.md): two snapshots of the
 * same state may share an id or not, but one id never names two different states.
 */
function expectIdsNameOneStateEach<V>(snapshots: readonly Snapshot<V>[]): void {
  const stateOf = new Map<number, string>();
  for (const snapshot of snapshots) {
    expect(typeof snapshot.id, "a snapshot id is a number").toBe("number");
    const state = JSON.stringify(contents(snapshot));
    const earlier = stateOf.get(snapshot.id);
    expect(earlier === undefined || earlier === state, `snapshot id ${snapshot.id} names two different states: ${earlier} and ${state}`).toBe(true);
    stateOf.set(snapshot.id, state);
  }
}

describe("an empty store", () => {
  test("a new store has size 0, no keys, and get() of any key is undefined", () => {
    const store = new SnapshotStore<number>();
    expect(store.get("a")).toBe(undefined);
    expect(store.has("a")).toBe(false);
    expect(store.size).toBe(0);
    expect(store.keys()).toEqual([]);
  });

  test("delete() of a missing key returns false and changes nothing", () => {
    const store = new SnapshotStore<number>();
    expect(store.delete("missing")).toBe(false);
    expect(store.size).toBe(0);
    store.set("a", 1);
    expect(store.delete("b")).toBe(false);
    expect(contents(store)).toEqual({ size: 1, entries: [["a", 1]] });
  });
});

describe("reading and writing the live store", () => {
  test("get() returns what set() stored, and has() says the key is there", () => {
    const store = storeOf({ apple: 1, pear: 2 });
    expect(store.get("apple")).toBe(1);
    expect(store.get("pear")).toBe(2);
    expect(store.has("apple")).toBe(true);
    expect(store.has("plum")).toBe(false);
    expect(store.get("plum")).toBe(undefined);
  });

  test("set() on an existing key replaces its value and keeps the size", () => {
    const store = storeOf({ a: 1, b: 2 });
    store.set("a", 10);
    expect(store.get("a")).toBe(10);
    expect(store.size).toBe(2);
  });

  test("a key set to undefined is present: has() is true and size counts it", () => {
    const store = new SnapshotStore<number | undefined>();
    store.set("empty", undefined);
    expect(store.has("empty")).toBe(true);
    expect(store.get("empty")).toBe(undefined);
    expect(store.size).toBe(1);
    expect(store.keys()).toEqual(["empty"]);
    expect(store.delete("empty")).toBe(true);
    expect(store.has("empty")).toBe(false);
  });

  test("values 0, empty string, false, null and undefined are stored and read back", () => {
    const store = new SnapshotStore<unknown>();
    const values = [0, "", false, null, undefined];
    values.forEach((v, i) => store.set(`k${i}`, v));
    expect(values.map((_, i) => store.get(`k${i}`))).toEqual(values);
    expect(values.every((_, i) => store.has(`k${i}`))).toBe(true);
    expect(store.size).toBe(5);
  });

  test("values are stored by reference, not cloned", () => {
    const shared = { n: 1 };
    const store = new SnapshotStore<{ n: number }>();
    store.set("obj", shared);
    expect(store.get("obj")).toBe(shared);
    expect(store.snapshot().get("obj")).toBe(shared);
  });

  test("delete() removes a key and returns true; deleting it again returns false", () => {
    const store = storeOf({ a: 1, b: 2, c: 3 });
    expect(store.delete("b")).toBe(true);
    expect(store.has("b")).toBe(false);
    expect(store.get("b")).toBe(undefined);
    expect(store.delete("b")).toBe(false);
    expect(contents(store)).toEqual({ size: 2, entries: [["a", 1], ["c", 3]] });
  });

  test("the empty string is a key, and keys differing only in case are different keys", () => {
    const store = storeOf({ "": 0, a: 1, A: 2 });
    expect(store.get("")).toBe(0);
    expect(store.has("")).toBe(true);
    expect(store.get("A")).toBe(2);
    expect(store.size).toBe(3);
  });

  test("size counts distinct keys through sets, overwrites and deletes", () => {
    const store = new SnapshotStore<number>();
    for (let i = 0; i < 50; i++) store.set(`k${i % 20}`, i);
    expect(store.size).toBe(20);
    for (let i = 0; i < 20; i += 2) store.delete(`k${i}`);
    expect(store.size).toBe(10);
  });

  test("a key set again after being deleted is back with its new value", () => {
    const store = storeOf({ a: 1 });
    store.delete("a");
    store.set("a", 2);
    expect(store.get("a")).toBe(2);
    expect(store.size).toBe(1);
  });

  test("keys() is sorted by code units, like Array.prototype.sort", () => {
    const keys = ["b", "a", "B", "Z", "é", "10", "9", "", "aa", "a b", "😀", "ｚ", "_"];
    const store = new SnapshotStore<number>();
    keys.forEach((k, i) => store.set(k, i));
    expect(store.keys()).toEqual([...keys].sort());
  });

  test("keys() returns a new array on every call; changing it changes nothing", () => {
    const store = storeOf({ b: 2, a: 1 });
    const first = store.keys();
    first.push("zzz");
    first[0] = "changed";
    expect(store.keys()).toEqual(["a", "b"]);
    expect(store.keys()).not.toBe(store.keys());
    expect(store.has("zzz")).toBe(false);
  });

  test("many keys in every order are all found, and keys() lists them sorted", () => {
    const keys = Array.from({ length: 500 }, (_, i) => `key-${(i * 7919) % 500}`);
    const store = new SnapshotStore<string>();
    for (const k of keys) store.set(k, k.toUpperCase());
    for (const k of keys) expect(store.get(k)).toBe(k.toUpperCase());
    expect(store.keys()).toEqual([...new Set(keys)].sort());
    for (const k of keys.slice(0, 250)) store.delete(k);
    expect(store.keys()).toEqual(keys.slice(250).sort());
  });

  test("a key that is not a string is refused with a TypeError, by the store and by its snapshots", () => {
    const store = storeOf({ a: 1 });
    const snapshot = store.snapshot();
    for (const bad of [1, undefined, null, {}, Symbol("s")] as unknown as string[]) {
      expect(() => store.get(bad), `get(${String(bad)})`).toThrow(TypeError);
      expect(() => store.has(bad), `has(${String(bad)})`).toThrow(TypeError);
      expect(() => store.set(bad, 2), `set(${String(bad)})`).toThrow(TypeError);
      expect(() => store.delete(bad), `delete(${String(bad)})`).toThrow(TypeError);
      expect(() => snapshot.get(bad), `snapshot.get(${String(bad)})`).toThrow(TypeError);
      expect(() => snapshot.has(bad), `snapshot.has(${String(bad)})`).toThrow(TypeError);
    }
    expect(contents(store)).toEqual({ size: 1, entries: [["a", 1]] });
  });
});

describe("a snapshot never changes after it is taken", () => {
  test("a snapshot of an empty store is empty", () => {
    const snapshot = new SnapshotStore<number>().snapshot();
    expect(snapshot.size).toBe(0);
    expect(snapshot.keys()).toEqual([]);
    expect(snapshot.has("a")).toBe(false);
    expect(snapshot.get("a")).toBe(undefined);
  });

  test("a snapshot shows the store as it was: the same keys, values and size", () => {
    const store = storeOf({ b: 2, a: 1, c: 3 });
    const snapshot = store.snapshot();
    expect(contents(snapshot)).toEqual({ size: 3, entries: [["a", 1], ["b", 2], ["c", 3]] });
    expect(snapshot.has("a")).toBe(true);
    expect(snapshot.has("d")).toBe(false);
  });

  test("writes after the snapshot change the store but not the snapshot", () => {
    const store = storeOf({ a: 1, b: 2 });
    const snapshot = store.snapshot();
    store.set("a", 100);
    store.set("c", 3);
    expect(store.get("a")).toBe(100);
    expect(contents(snapshot)).toEqual({ size: 2, entries: [["a", 1], ["b", 2]] });
    expect(snapshot.has("c")).toBe(false);
  });

  test("a key deleted after the snapshot is still in the snapshot", () => {
    const store = storeOf({ a: 1, b: 2, c: 3 });
    const snapshot = store.snapshot();
    expect(store.delete("b")).toBe(true);
    expect(store.delete("a")).toBe(true);
    expect(store.keys()).toEqual(["c"]);
    expect(snapshot.get("b")).toBe(2);
    expect(snapshot.has("a")).toBe(true);
    expect(contents(snapshot)).toEqual({ size: 3, entries: [["a", 1], ["b", 2], ["c", 3]] });
  });

  test("a key set to undefined in the snapshot stays present there after it is deleted", () => {
    const store = new SnapshotStore<number | undefined>();
    store.set("u", undefined);
    const snapshot = store.snapshot();
    store.delete("u");
    expect(snapshot.has("u")).toBe(true);
    expect(snapshot.size).toBe(1);
  });

  test("taking more snapshots and restoring one leaves earlier snapshots unchanged", () => {
    const store = storeOf({ a: 1 });
    const first = store.snapshot();
    store.set("b", 2);
    const second = store.snapshot();
    store.restore(first);
    store.set("c", 3);
    store.snapshot();
    expect(contents(first)).toEqual({ size: 1, entries: [["a", 1]] });
    expect(contents(second)).toEqual({ size: 2, entries: [["a", 1], ["b", 2]] });
  });

  test("the same key written in many places of a larger store leaves the snapshot intact", () => {
    const store = new SnapshotStore<number>();
    for (let i = 0; i < 300; i++) store.set(`k${i}`, i);
    const snapshot = store.snapshot();
    for (let i = 0; i < 300; i += 3) store.set(`k${i}`, -i);
    for (let i = 1; i < 300; i += 3) store.delete(`k${i}`);
    for (let i = 0; i < 300; i++) expect(snapshot.get(`k${i}`)).toBe(i);
    expect(snapshot.size).toBe(300);
    expect(store.size).toBe(200);
  });

  test("a snapshot is a frozen object: its id and size cannot be reassigned", () => {
    const store = storeOf({ a: 1 });
    const snapshot = store.snapshot();
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(() => ((snapshot as { size: number }).size = 5)).toThrow(TypeError);
    expect(snapshot.size).toBe(1);
  });

  test("a snapshot's keys() is sorted and a new array on every call", () => {
    const store = storeOf({ b: 2, a: 1 });
    const snapshot = store.snapshot();
    const first = snapshot.keys();
    first.pop();
    expect(snapshot.keys()).toEqual(["a", "b"]);
    expect(snapshot.keys()).not.toBe(snapshot.keys());
  });

  test("a snapshot id never names two different states, including snapshots taken after a restore", () => {
    const store = storeOf({ a: 1 });
    const first = store.snapshot();
    const snapshots = [first];
    for (let i = 0; i < 10; i++) {
      store.set("a", i + 2);
      snapshots.push(store.snapshot());
      store.restore(first);
      snapshots.push(store.snapshot());
      store.set(`k${i}`, i);
      snapshots.push(store.snapshot());
    }
    expectIdsNameOneStateEach(snapshots);
  });
});

describe("several snapshots at once", () => {
  test("each of several snapshots keeps its own version of the same key", () => {
    const store = new SnapshotStore<string>();
    const snapshots: Snapshot<string>[] = [];
    for (const version of ["v1", "v2", "v3", "v4"]) {
      store.set("doc", version);
      snapshots.push(store.snapshot());
    }
    store.set("doc", "v5");
    expect(snapshots.map((s) => s.get("doc"))).toEqual(["v1", "v2", "v3", "v4"]);
    expect(store.get("doc")).toBe("v5");
  });

  test("deleting and re-adding a key between snapshots: each snapshot sees its own state", () => {
    const store = storeOf({ k: 1 });
    const withK = store.snapshot();
    store.delete("k");
    const withoutK = store.snapshot();
    store.set("k", 2);
    const withNewK = store.snapshot();
    expect([withK.get("k"), withK.size]).toEqual([1, 1]);
    expect([withoutK.has("k"), withoutK.size]).toEqual([false, 0]);
    expect([withNewK.get("k"), withNewK.size]).toEqual([2, 1]);
  });

  test("two stores and their snapshots are independent of each other", () => {
    const left = storeOf({ a: 1 });
    const right = storeOf({ a: 1 });
    const leftSnapshot = left.snapshot();
    right.set("a", 2);
    right.set("b", 3);
    expect(left.get("a")).toBe(1);
    expect(contents(leftSnapshot)).toEqual({ size: 1, entries: [["a", 1]] });
    expect(contents(right)).toEqual({ size: 2, entries: [["a", 2], ["b", 3]] });
  });
});

describe("restore", () => {
  test("restore() makes the live state the snapshot's: values, keys and size", () => {
    const store = storeOf({ a: 1, b: 2 });
    const snapshot = store.snapshot();
    store.set("a", 10);
    store.delete("b");
    store.set("c", 3);
    store.restore(snapshot);
    expect(contents(store)).toEqual({ size: 2, entries: [["a", 1], ["b", 2]] });
    expect(store.has("c")).toBe(false);
  });

  test("writes after a restore do not change the restored snapshot", () => {
    const store = storeOf({ a: 1, b: 2 });
    const snapshot = store.snapshot();
    store.restore(snapshot);
    store.set("a", 100);
    store.delete("b");
    store.set("z", 26);
    expect(contents(snapshot)).toEqual({ size: 2, entries: [["a", 1], ["b", 2]] });
    store.restore(snapshot);
    expect(contents(store)).toEqual({ size: 2, entries: [["a", 1], ["b", 2]] });
  });

  test("the store can go back and forth between snapshots", () => {
    const store = storeOf({ a: 1 });
    const older = store.snapshot();
    store.set("a", 2);
    store.set("b", 2);
    const newer = store.snapshot();
    store.restore(older);
    expect(contents(store)).toEqual({ size: 1, entries: [["a", 1]] });
    store.restore(newer);
    expect(contents(store)).toEqual({ size: 2, entries: [["a", 2], ["b", 2]] });
    store.restore(older);
    store.set("c", 3);
    expect(contents(newer)).toEqual({ size: 2, entries: [["a", 2], ["b", 2]] });
  });

  test("restoring a snapshot of the empty store empties the store", () => {
    const store = new SnapshotStore<number>();
    const empty = store.snapshot();
    store.set("a", 1);
    store.set("b", 2);
    store.restore(empty);
    expect(contents(store)).toEqual({ size: 0, entries: [] });
    store.set("c", 3);
    expect(empty.size).toBe(0);
  });

  test("restore() refuses an object that is not a snapshot, and changes nothing", () => {
    const store = new SnapshotStore<number>();
    const fake = { id: 1, size: 0, get: () => undefined, has: () => false, keys: () => [] };
    expectRefusal(() => store.restore(fake), "restore() of a plain object that looks like a snapshot");
    for (const bad of [undefined, null, 42, "snapshot"] as unknown as Snapshot<number>[]) {
      expectRefusal(() => store.restore(bad), `restore(${String(bad)})`);
    }
    store.set("a", 1);
    expectRefusal(() => store.restore(Object.freeze({ ...fake })), "restore() of a frozen look-alike");
    expect(contents(store)).toEqual({ size: 1, entries: [["a", 1]] });
  });

  test("restore() refuses a snapshot of another store, and changes nothing", () => {
    const mine = storeOf({ mine: 1 });
    const other = storeOf({ other: 2 });
    const otherSnapshot = other.snapshot();
    expectRefusal(() => mine.restore(otherSnapshot), "restore() of another store's snapshot");
    expect(contents(mine)).toEqual({ size: 1, entries: [["mine", 1]] });
    expect(contents(otherSnapshot)).toEqual({ size: 1, entries: [["other", 2]] });
  });
});

describe("against a model that deep-copies a Map for every snapshot", () => {
  type Op =
    | { kind: "set"; key: string; value: number | undefined }
    | { kind: "delete"; key: string }
    | { kind: "snapshot" }
    | { kind: "restore"; which: number };

  const KEYS = ["", "a", "b", "B", "aa", "ab", "é", "k1", "k10", "k2"];
  const key = fc.constantFrom(...KEYS);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("set" as const), key, value: fc.option(fc.integer({ min: -9, max: 99 }), { nil: undefined, freq: 6 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), key }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("snapshot" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("restore" as const), which: fc.nat() }) },
  );

  function view(model: ReadonlyMap<string, number | undefined>) {
    const keys = [...model.keys()].sort();
    return { size: model.size, entries: keys.map((k) => [k, model.get(k)]) };
  }

  test("any sequence of sets, deletes, snapshots and restores matches the model (randomized)", () => {
    checkAgainstModel(fc.array(op, { maxLength: 60 }), runAgainstModel, {
      numRuns: 200,
      seed: 20262,
      describe: (ops) => [...ops.map(describeOp), "compare every snapshot taken with the model's copy of that moment"],
      setting: "restore #n means the n-th snapshot taken, counted modulo how many there are",
    });
  });

  function describeOp(o: Op): string {
    if (o.kind === "set") return `set(${JSON.stringify(o.key)}, ${o.value})`;
    if (o.kind === "delete") return `delete(${JSON.stringify(o.key)})`;
    return o.kind === "snapshot" ? "snapshot()" : `restore(snapshot #${o.which})`;
  }

  function runAgainstModel(ops: Op[], step: (n: number) => void): void {
    const store = new SnapshotStore<number | undefined>();
    let live = new Map<string, number | undefined>();
    const taken: { snapshot: Snapshot<number | undefined>; model: Map<string, number | undefined> }[] = [];
    for (const [i, o] of ops.entries()) {
      step(i + 1);
      if (o.kind === "set") {
        store.set(o.key, o.value);
        live.set(o.key, o.value);
      } else if (o.kind === "delete") {
        expect(store.delete(o.key), `delete(${JSON.stringify(o.key)})`).toBe(live.delete(o.key));
      } else if (o.kind === "snapshot") {
        taken.push({ snapshot: store.snapshot(), model: new Map(live) });
      } else if (taken.length > 0) {
        const { snapshot, model } = taken[o.which % taken.length];
        store.restore(snapshot);
        live = new Map(model);
      }
      for (const k of KEYS) {
        expect(store.has(k), `has(${JSON.stringify(k)})`).toBe(live.has(k));
        expect(store.get(k), `get(${JSON.stringify(k)})`).toBe(live.get(k));
      }
      expect(contents(store), "the store's size and entries").toEqual(view(live));
    }
    step(ops.length + 1);
    for (const { snapshot, model } of taken) {
      expect(contents(snapshot), `snapshot ${snapshot.id}`).toEqual(view(model));
      for (const k of KEYS) expect(snapshot.has(k)).toBe(model.has(k));
    }
    expectIdsNameOneStateEach(taken.map((t) => t.snapshot));
  }
});
