/**
 * Lesson 1 · naive copy-on-write with an overlay dictionary.
 *
 * Read lessons/lesson-1/README.md first. A CowList reads through to an original array
 * it must never change; every write goes to an overlay that holds only the changed
 * slots. Fill in the four TODOs below, then run `npm run check lesson-1`.
 *
 * @example
 * ```ts
 * const original = ["a", "b", "c"];
 * const list = new CowList(original);
 * list.set(1, "B");
 * list.toArray();   // ["a", "B", "c"]
 * original;         // ["a", "b", "c"], untouched
 * list.copiedCount; // 1
 * ```
 */
import { todo } from "../../lib/todo.ts";

export class CowList<T> implements Iterable<T> {
  readonly #original: readonly T[];
  // The overlay: index -> the value written there. It starts empty (nothing copied).
  readonly #overlay = new Map<number, T>();

  constructor(original: readonly T[]) {
    if (!Array.isArray(original)) throw new TypeError("CowList needs an array to start from");
    this.#original = original;
  }

  get length(): number {
    return this.#original.length;
  }

  get(index: number): T {
    this.#checkIndex(index);
    // TODO(lesson-1:get): the value at `index` as this view sees it: the last value set()
    // wrote there, even when that value is undefined, and the original's where nothing was
    // written. README: "Rule 1" and "Rule 4".
    throw todo("lesson-1:get");
  }

  set(index: number, value: T): void {
    this.#checkIndex(index);
    // TODO(lesson-1:set): afterwards get(index) returns `value`, every other index reads as
    // before, and the original array is exactly as it was; the cost must not grow with the
    // list's length. README: "Rules 2 and 3".
    throw todo("lesson-1:set");
  }

  get isCopied(): boolean {
    // TODO(lesson-1:counters): isCopied says whether anything was ever written, and
    // copiedCount (below) how many distinct indices this view holds copies of. Writing a value
    // equal to the current one is still a write. README: "What you implement".
    throw todo("lesson-1:counters");
  }

  get copiedCount(): number {
    throw todo("lesson-1:counters");
  }

  toArray(): T[] {
    // TODO(lesson-1:view): every one of the `length` values, index by index, as get() sees
    // them, in an array the caller owns: changing it must not change the list. The iterator
    // below relies on it. README: "Reading the whole list".
    throw todo("lesson-1:view");
  }

  *[Symbol.iterator](): Iterator<T> {
    yield* this.toArray();
  }

  /** Throws a RangeError unless index is an integer in 0..length-1. */
  #checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${String(index)} is outside 0..${this.length - 1}`);
    }
  }
}
