/**
 * Reads an iterable written by a learner without trusting it to end: a hidden test that
 * spreads a never-ending iterator would hang instead of failing with a message.
 *
 * @example
 * ```ts
 * expect(collect(list, list.length)).toEqual(["a", "b"]);
 * ```
 */
export function collect<T>(iterable: Iterable<T>, expectedLength: number): T[] {
  const out: T[] = [];
  for (const value of iterable) {
    out.push(value);
    if (out.length > expectedLength) {
      throw new Error(`the iterator yielded more than ${expectedLength} values; it should stop after the last one`);
    }
  }
  return out;
}
