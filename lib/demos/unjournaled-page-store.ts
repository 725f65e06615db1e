/**
 * The lesson 11 page store WITHOUT its rollback journal: the control group of
 * `npm run crash lesson-11`.
 *
 * `UnjournaledPageStore` (exported as `PageStore`, so the crash lab loads it like the
 * lesson's own) has the lesson's API and page cache: a transaction within the cache is
 * written in place at commit, with a flush after it, and a transaction larger than the
 * cache spills its pages home before commit (steal). With nothing journaled, a spilled
 * page cannot be put back: an abort() only forgets the cache, and a power cut in the
 * middle of a commit, or of a transaction still open, leaves some pages new and the
 * others old. The crash explorer finds exactly that.
 *
 * Deliberately broken: do not copy it into a lesson.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../sim-disk.ts";
 * const disk = new SimDisk({ model: "volatile" });
 * const store = PageStore.mount(disk, { cachePages: 1 });
 * const tx = store.begin();
 * tx.write(0, new Uint8Array([1]));
 * tx.write(1, new Uint8Array([2]));  // the cache is full: page 0 goes home, uncommitted
 * tx.abort();
 * store.read(0);                     // [1, 0, 0, …]: the aborted write stays
 * ```
 */
import type { SimDisk } from "../sim-disk.ts";

const MAGIC = 0x4e4f4a4c; // "NOJL": block 0 marks a formatted disk and holds the journal size
const DEFAULT_JOURNAL_BLOCKS = 64;
const DEFAULT_CACHE_PAGES = 8;

export interface Transaction {
  write(page: number, data: Uint8Array): void;
  commit(): void;
  abort(): void;
}

export class PageStore {
  readonly #disk: SimDisk;
  readonly #journalBlocks: number;
  readonly #cachePages: number;
  readonly #dirty = new Map<number, Uint8Array>();
  /** Pages of the open transaction, for the journal-size limit the lesson's contract sets. */
  readonly #touched = new Set<number>();
  #open = false;

  private constructor(disk: SimDisk, journalBlocks: number, cachePages: number) {
    this.#disk = disk;
    this.#journalBlocks = journalBlocks;
    this.#cachePages = cachePages;
  }

  static mount(disk: SimDisk, options: { journalBlocks?: number; cachePages?: number } = {}): PageStore {
    const cachePages = options.cachePages ?? DEFAULT_CACHE_PAGES;
    const view = new DataView(disk.read(0).buffer);
    if (view.getUint32(0) === MAGIC) return new PageStore(disk, view.getUint32(4), cachePages);
    const journalBlocks = options.journalBlocks ?? DEFAULT_JOURNAL_BLOCKS;
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, MAGIC);
    new DataView(header.buffer).setUint32(4, journalBlocks);
    disk.write(0, header, "header: format");
    disk.flush();
    return new PageStore(disk, journalBlocks, cachePages);
  }

  get pageSize(): number {
    return this.#disk.blockSize;
  }

  get pageCount(): number {
    return this.#disk.blocks - 1 - this.#journalBlocks;
  }

  read(page: number): Uint8Array {
    return this.#dirty.get(page)?.slice() ?? this.#disk.read(this.#home(page));
  }

  begin(): Transaction {
    if (this.#open) throw new Error("a transaction is already open");
    this.#open = true;
    let done = false;
    const end = () => {
      done = true;
      this.#open = false;
      this.#dirty.clear();
      this.#touched.clear();
    };
    return {
      write: (page, data) => {
        if (done) throw new Error("this transaction has ended");
        if (!this.#touched.has(page) && this.#touched.size + 1 > Math.floor(this.#journalBlocks / 2)) throw new RangeError("too many pages");
        if (!this.#dirty.has(page) && this.#dirty.size >= this.#cachePages) this.#spill();
        const image = new Uint8Array(this.pageSize);
        image.set(data);
        this.#dirty.set(page, image);
        this.#touched.add(page);
      },
      commit: () => {
        if (done) throw new Error("this transaction has ended");
        if (this.#dirty.size > 0) {
          this.#spill();
          this.#disk.flush();
        }
        end();
      },
      abort: () => {
        if (done) throw new Error("this transaction has ended");
        end(); // pages already spilled stay as the transaction wrote them: nothing to undo them with
      },
    };
  }

  /** Straight home, in place: no original is kept anywhere. */
  #spill(): void {
    for (const [page, image] of this.#dirty) this.#disk.write(this.#home(page), image, `page ${page} in place (no journal)`);
    this.#dirty.clear();
  }

  #home(page: number): number {
    return 1 + this.#journalBlocks + page;
  }
}
