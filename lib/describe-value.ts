/**
 * How an error message names a value the caller passed: numbers and booleans as they
 * are, strings quoted, and anything else by its kind ("Object", "Array", "Uint8Array").
 *
 * @example
 * ```ts
 * throw new RangeError(`block ${describeValue(block)} is outside the disk`);
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  return Object.prototype.toString.call(value).slice(8, -1);
}
