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
    // TODO(lesson-1:get): return the overlay's value when it holds this index (even if
    // that value is undefined), else the original's. README: "Rule 1" and "Rule 4".
    throw todo("lesson-1:get");
  }

  set(index: number, value: T): void {
    this.#checkIndex(index);
    // TODO(lesson-1:set): put the value in the overlay, never in the original.
    // README: "Rules 2 and 3".
    throw todo("lesson-1:set");
  }

  get isCopied(): boolean {
    // TODO(lesson-1:counters): true once anything was written. Do the same for
    // copiedCount below. README: "What you implement".
    throw todo("lesson-1:counters");
  }

  get copiedCount(): number {
    throw todo("lesson-1:counters");
  }

  toArray(): T[] {
    // TODO(lesson-1:view): a new array of all `length` values as get() sees them;
    // the iterator below already uses it. README: "Reading the whole list".
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
