/**
 * Lesson 1 · naive copy-on-write with an overlay dictionary (reference solution).
 *
 * A CowList reads through to an original array it never changes. The first write
 * "copies", but the cheapest copy of all is a dictionary of just the changed slots:
 * the overlay. Reads look in the overlay first and fall back to the original.
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
export class CowList<T> implements Iterable<T> {
  readonly #original: readonly T[];
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
    return this.#overlay.has(index) ? (this.#overlay.get(index) as T) : this.#original[index];
  }

  set(index: number, value: T): void {
    this.#checkIndex(index);
    this.#overlay.set(index, value);
  }

  get isCopied(): boolean {
    return this.#overlay.size > 0;
  }

  get copiedCount(): number {
    return this.#overlay.size;
  }

  toArray(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  #checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${String(index)} is outside 0..${this.length - 1}`);
    }
  }
}
