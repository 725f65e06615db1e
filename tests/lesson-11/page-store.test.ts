/**
 * Hidden tests for lesson 11 (contract: lessons/lesson-11/README.md, "What you implement"):
 * a page store changed in place through transactions, on a disk with a volatile write
 * cache, protected by a rollback journal. Crash exploration is in crashes.test.ts; the
 * power cuts here are single, chosen ones. Only the public API and the disk's counters
 * (writes, flushes) are used.
 */
import { describe, expect, test } from "vitest";
import { PageStore } from "@impl/lesson-11/page-store.ts";
import { CrashError, SimDisk } from "../../lib/sim-disk.ts";
import { bytesOf, pageDifferences, textOf, volatileDisk, type Pages } from "./crash-workloads.ts";

type Write = readonly [page: number, text: string];
type Options = { journalBlocks?: number; cachePages?: number };

function run(store: PageStore, kind: "commit" | "abort", ...writes: Write[]): void {
  const tx = store.begin();
  for (const [page, text] of writes) tx.write(page, bytesOf(text));
  if (kind === "commit") tx.commit();
  else tx.abort();
}

const textAt = (store: PageStore, page: number) => textOf(store.read(page));

/** Passes when every page of the store is as `pages` says (zeros elsewhere). */
function expectPages(store: PageStore, pages: Record<number, string>): void {
  const expected: Pages = new Map(Object.entries(pages).map(([p, t]) => [Number(p), t]));
  expect(pageDifferences(store, expected)).toEqual([]);
}

/** A power cut that loses everything still in the write cache, then a mount. */
function powerCut(disk: SimDisk, options?: Options): { disk: SimDisk; store: PageStore } {
  const next = disk.reboot({ reached: [] });
  return { disk: next, store: PageStore.mount(next, options) };
}

/** A power cut in which every cached write reached the disk, then a mount. */
function powerCutKeepingCache(disk: SimDisk, options?: Options): { disk: SimDisk; store: PageStore } {
  const next = disk.reboot({ reached: disk.pending.map((w) => w.index) });
  return { disk: next, store: PageStore.mount(next, options) };
}

const long = (tag: string, bytes = 400) => `[${tag}]`.padEnd(bytes, tag.slice(-1));

describe("pages and transactions", () => {
  test("a fresh store reads zeros, also remounted; pages are the disk's block size, and the default disk holds at least 160", () => {
    const disk = new SimDisk({ model: "volatile" });
    const fresh = PageStore.mount(disk);
    for (const store of [fresh, PageStore.mount(disk.reboot())]) {
      expect(store.pageSize).toBe(512);
      expect(store.pageCount).toBeGreaterThanOrEqual(160);
      expect(store.read(0)).toEqual(new Uint8Array(512));
      expect(store.read(store.pageCount - 1)).toEqual(new Uint8Array(512));
    }
  });

  test("a committed transaction reads back; short data is zero-filled, a full page is kept whole", () => {
    const store = PageStore.mount(volatileDisk());
    const full = new Uint8Array(512).map((_, i) => (i % 250) + 1);
    const tx = store.begin();
    tx.write(0, bytesOf("hello"));
    tx.write(store.pageCount - 1, full);
    tx.commit();
    expect(textAt(store, 0)).toBe("hello");
    expect([...store.read(0).subarray(5)].every((b) => b === 0)).toBe(true);
    expect(store.read(store.pageCount - 1)).toEqual(full);
  });

  test("reads see the open transaction's writes at once, the last write to a page winning", () => {
    const store = PageStore.mount(volatileDisk(), { cachePages: 2 });
    run(store, "commit", [0, "old"]);
    const tx = store.begin();
    for (let page = 0; page < 5; page++) tx.write(page, bytesOf(`new ${page}`));
    tx.write(0, bytesOf("newest"));
    expect([0, 1, 2, 3, 4].map((p) => textAt(store, p))).toEqual(["newest", "new 1", "new 2", "new 3", "new 4"]);
    tx.commit();
    expect([0, 1, 2, 3, 4].map((p) => textAt(store, p))).toEqual(["newest", "new 1", "new 2", "new 3", "new 4"]);
  });

  test("abort() brings every page back as it was at begin(), whether the cache held the changes or they were stolen", () => {
    for (const cachePages of [1, 2, 8]) {
      const store = PageStore.mount(volatileDisk(), { cachePages });
      run(store, "commit", [0, "zero"], [1, "one"], [2, "two"]);
      run(store, "abort", [0, "x"], [1, "y"], [3, "z"], [0, long("x2")], [4, "w"]);
      expectPages(store, { 0: "zero", 1: "one", 2: "two" });
      run(store, "commit", [3, "three"]);
      expectPages(store, { 0: "zero", 1: "one", 2: "two", 3: "three" });
    }
  });

  test("the reading returned is a copy: changing it changes no page", () => {
    const store = PageStore.mount(volatileDisk());
    run(store, "commit", [0, "kept"]);
    store.read(0).fill(7);
    const data = bytesOf("mine");
    const tx = store.begin();
    tx.write(1, data);
    data.fill(65);
    tx.commit();
    expect([textAt(store, 0), textAt(store, 1)]).toEqual(["kept", "mine"]);
    const open = store.begin();
    open.write(2, bytesOf("open"));
    store.read(2).fill(66);
    expect(textAt(store, 2), "a page the open transaction wrote, read and changed by the caller").toBe("open");
    open.commit();
    expect(textAt(store, 2)).toBe("open");
  });

  test("invalid pages and data throw at write() and change nothing; the transaction stays open", () => {
    const store = PageStore.mount(volatileDisk());
    const tx = store.begin();
    tx.write(0, bytesOf("ok"));
    expect(() => tx.write(-1, bytesOf("x"))).toThrow(RangeError);
    expect(() => tx.write(store.pageCount, bytesOf("x"))).toThrow(RangeError);
    expect(() => tx.write(1.5, bytesOf("x"))).toThrow(RangeError);
    expect(() => tx.write("1" as unknown as number, bytesOf("x"))).toThrow(TypeError);
    expect(() => tx.write(1, "text" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => tx.write(1, new Uint8Array(513))).toThrow(RangeError);
    expect(() => store.read(store.pageCount)).toThrow(RangeError);
    tx.commit();
    expectPages(store, { 0: "ok" });
  });

  test("a transaction after commit() or abort() throws; begin() throws while one is open", () => {
    const store = PageStore.mount(volatileDisk());
    const tx = store.begin();
    expect(() => store.begin()).toThrow();
    tx.commit();
    expect(() => tx.write(0, bytesOf("late"))).toThrow();
    expect(() => tx.commit()).toThrow();
    expect(() => tx.abort()).toThrow();
    const other = store.begin();
    other.abort();
    expect(() => other.commit()).toThrow();
    store.begin().commit();
  });

  test("a transaction may change half as many pages as the journal has blocks; one more is refused and changes nothing", () => {
    const store = PageStore.mount(volatileDisk(), { journalBlocks: 8, cachePages: 1 });
    const tx = store.begin();
    for (let page = 0; page < 4; page++) tx.write(page, bytesOf(`p${page}`));
    expect(() => tx.write(4, bytesOf("one too many"))).toThrow(RangeError);
    tx.write(0, bytesOf("p0 again"));
    tx.commit();
    expectPages(store, { 0: "p0 again", 1: "p1", 2: "p2", 3: "p3" });
  });

  test("a used disk keeps its journal size and pages, whatever journalBlocks says at mount", () => {
    const disk = volatileDisk(64);
    const store = PageStore.mount(disk, { journalBlocks: 16 });
    const pageCount = store.pageCount;
    run(store, "commit", [pageCount - 1, "last page"]);
    const again = PageStore.mount(disk.reboot(), { journalBlocks: 4 });
    expect(again.pageCount).toBe(pageCount);
    expect(textAt(again, pageCount - 1)).toBe("last page");
  });

  test("mount refuses a disk that holds something else, and bad options", () => {
    const disk = volatileDisk();
    disk.write(0, bytesOf("not a page store"));
    expect(() => PageStore.mount(disk)).toThrow();
    expect(() => PageStore.mount(volatileDisk(), { journalBlocks: 0 })).toThrow(RangeError);
    expect(() => PageStore.mount(volatileDisk(), { cachePages: 0 })).toThrow(RangeError);
    expect(() => PageStore.mount(volatileDisk(), { cachePages: 2.5 })).toThrow(RangeError);
    expect(() => PageStore.mount(volatileDisk(), { journalBlocks: "8" as unknown as number })).toThrow(TypeError);
    expect(() => PageStore.mount(volatileDisk(24), { journalBlocks: 23 }), "a journal that leaves no room for pages").toThrow(RangeError);
    expect(() => PageStore.mount(volatileDisk(), 8 as unknown as { journalBlocks?: number })).toThrow(TypeError);
    expect(() => PageStore.mount(volatileDisk(), null as unknown as { journalBlocks?: number })).toThrow(TypeError);
  });
});

/** A disk and options that allow a transaction of 128 pages, more than one 512-byte block can list. */
const bigDisk = () => new SimDisk({ blocks: 512, model: "volatile", sectorSize: 64 });
const pages = Array.from({ length: 128 }, (_, page) => page);
const version = (tag: string): Pages => new Map(pages.map((page) => [page, `${tag} ${page}`]));

describe("durability on a write cache", () => {
  test("a power cut right after commit() returns, losing the whole write cache, loses nothing", () => {
    for (const cachePages of [1, 3, 8]) {
      let disk = volatileDisk();
      let store = PageStore.mount(disk, { cachePages });
      run(store, "commit", [0, "v1"], [1, long("v1")], [2, "v1"], [3, "v1"]);
      ({ disk, store } = powerCut(disk, { cachePages }));
      run(store, "commit", [1, "v2"], [4, long("v2")]);
      ({ disk, store } = powerCut(disk, { cachePages }));
      expectPages(store, { 0: "v1", 1: "v2", 2: "v1", 3: "v1", 4: long("v2") });
    }
  });

  test("a power cut right after abort() returns, with or without the cache, leaves the old pages", () => {
    for (const cut of [powerCut, powerCutKeepingCache]) {
      const disk = volatileDisk();
      const store = PageStore.mount(disk, { cachePages: 1 });
      run(store, "commit", [0, "old 0"], [1, "old 1"]);
      run(store, "abort", [0, long("new")], [1, "new"], [2, "new"]);
      expectPages(cut(disk, { cachePages: 1 }).store, { 0: "old 0", 1: "old 1" });
    }
  });

  test("a power cut while a transaction is open, its pages stolen, rolls it back at the next mount", () => {
    for (const cut of [powerCut, powerCutKeepingCache]) {
      const disk = volatileDisk();
      const store = PageStore.mount(disk, { cachePages: 1 });
      run(store, "commit", [0, "old 0"], [1, "old 1"]);
      const tx = store.begin();
      for (const page of [0, 1, 2, 3, 0]) tx.write(page, bytesOf(long(`new ${page}`)));
      expectPages(cut(disk, { cachePages: 1 }).store, { 0: "old 0", 1: "old 1" });
    }
  });

  test("rollback is idempotent: the same crashed disk mounted twice, or remounted after its rollback, gives the same pages", () => {
    const disk = volatileDisk();
    const store = PageStore.mount(disk, { cachePages: 1 });
    run(store, "commit", [0, "a"], [1, "b"]);
    const tx = store.begin();
    for (const page of [1, 2, 0]) tx.write(page, bytesOf(`open ${page}`));
    const crashed = disk.reboot({ reached: disk.pending.map((w) => w.index) });
    const first = crashed.reboot();
    const second = crashed.reboot();
    const firstStore = PageStore.mount(first);
    PageStore.mount(second);
    const third = first.reboot({ reached: [] });
    const remounted = PageStore.mount(third);
    for (const s of [firstStore, PageStore.mount(second.reboot()), remounted]) expectPages(s, { 0: "a", 1: "b" });
    run(remounted, "commit", [2, "after"]);
    expectPages(PageStore.mount(third.reboot({ reached: [] })), { 0: "a", 1: "b", 2: "after" });
  });
  test("⌊journalBlocks / 2⌋ pages, mostly stolen, are undone whole or done whole at a power cut at any flush of the commit", () => {
    // 128 pages: more than one 512-byte block can list, so the journal needs several records for them.
    // A cache of 124 steals one full block's worth of originals before commit(); one of 128 hands them all to commit().
    for (const cachePages of [124, 128]) {
      const options = { journalBlocks: 256, cachePages };
      let committed = false;
      for (let flushes = 0; !committed; flushes++) {
        for (const reachedAll of [true, false]) {
          const disk = bigDisk();
          const store = PageStore.mount(disk, options);
          run(store, "commit", ...pages.map((page) => [page, `old ${page}`] as const));
          const tx = store.begin();
          for (const page of pages) tx.write(page, bytesOf(`new ${page}`));
          disk.crashBeforeFlush(flushes);
          try {
            tx.commit();
            committed = true;
          } catch (error) {
            if (!(error instanceof CrashError)) throw error;
          }
          const after = PageStore.mount(disk.reboot({ reached: reachedAll ? disk.pending.map((w) => w.index) : [] }), options);
          const fromOld = pageDifferences(after, version("old"));
          const fromNew = pageDifferences(after, version("new"));
          if (committed) expect(fromNew, "after commit() returned").toEqual([]);
          else expect(fromOld.length === 0 || fromNew.length === 0, `power cut at flush ${flushes + 1} of commit() (${reachedAll ? "every cached write reached the disk" : "the cache lost"}): neither all old nor all new: ${fromOld.slice(0, 3).join("; ")}`).toBe(true);
        }
      }
    }
  });
});

describe("the page cache", () => {
  test("a transaction within the cache writes nothing to the disk before commit(), and an abort of it writes nothing at all", () => {
    const disk = volatileDisk();
    const store = PageStore.mount(disk, { cachePages: 4 });
    const [writes, flushes] = [disk.writes, disk.flushes];
    const tx = store.begin();
    for (let page = 0; page < 4; page++) tx.write(page, bytesOf(`p${page}`));
    tx.write(2, bytesOf("again"));
    expect([disk.writes, disk.flushes]).toEqual([writes, flushes]);
    tx.abort();
    expect([disk.writes, disk.flushes]).toEqual([writes, flushes]);
    store.begin().commit();
    expect([disk.writes, disk.flushes], "an empty transaction needs no disk write").toEqual([writes, flushes]);
  });

  test("one changed page more than the cache holds reaches the disk before commit() (the cache is full)", () => {
    const disk = volatileDisk();
    const store = PageStore.mount(disk, { cachePages: 2 });
    const writes = disk.writes;
    const tx = store.begin();
    for (let page = 0; page < 3; page++) tx.write(page, bytesOf(`p${page}`));
    expect(disk.writes).toBeGreaterThan(writes);
    tx.commit();
  });

  test("commit() of a transaction within the cache costs at most 3 flushes and 2 writes per page plus 4, however many pages", () => {
    for (const pages of [1, 4, 8]) {
      const disk = volatileDisk();
      const store = PageStore.mount(disk, { cachePages: 8 });
      run(store, "commit", [0, "warm up"]);
      const [writes, flushes] = [disk.writes, disk.flushes];
      run(store, "commit", ...Array.from({ length: pages }, (_, page) => [page, `v${page}`] as const));
      expect(disk.flushes - flushes, `flushes for ${pages} pages`).toBeLessThanOrEqual(3);
      expect(disk.writes - writes, `writes for ${pages} pages`).toBeLessThanOrEqual(2 * pages + 4);
    }
  });

  test("mounting a disk whose journal is not hot writes nothing", () => {
    const disk = volatileDisk();
    const store = PageStore.mount(disk, { cachePages: 1 });
    run(store, "commit", [0, "a"], [1, "b"], [2, "c"]);
    run(store, "abort", [0, "x"], [1, "y"]);
    const next = disk.reboot();
    PageStore.mount(next);
    expect([next.writes, next.flushes]).toEqual([0, 0]);
  });
});
