/**
 * Model-based tests that explain themselves. `checkAgainstModel` runs a fast-check
 * property whose generated value is a sequence of operations; the test body marks each
 * operation with `step(n)` as it applies it to the code and to a model. When a case fails,
 * the failure says, in words a learner can act on:
 *   - the shortest failing sequence fast-check found, as a numbered list;
 *   - the step where the code first differed from the model;
 *   - what the model expected there and what the code gave (the assertion's own words);
 *   - the setting the case ran with (disk options, sizes), when the test names one;
 * and never fast-check's raw "Counterexample … Hint: enable verbose mode" report. An open
 * TODO (NotImplementedError) is not a counterexample: it is thrown as it is.
 *
 * @example
 * ```ts
 * checkAgainstModel(fc.array(op), (ops, step) => {
 *   ops.forEach((o, i) => { step(i + 1); apply(code, o); apply(model, o); expect(read(code)).toEqual(read(model)); });
 * }, { describe: (ops) => ops.map(describeOp), setting: "a 64-block disk", numRuns: 200 });
 * ```
 */
import fc from "fast-check";

export interface ModelCheckOptions<T> {
  /** The generated value as a list of operations, one line each, in order. */
  describe: (value: T) => string[];
  /** What else the case ran with (disk options, sizes), said after the steps. */
  setting?: string | ((value: T) => string);
  numRuns?: number;
  seed?: number;
}

export function checkAgainstModel<T>(
  arbitrary: fc.Arbitrary<T>,
  run: (value: T, step: (n: number) => void) => void,
  options: ModelCheckOptions<T>,
): void {
  let lastStep = 0;
  const property = fc.property(arbitrary, (value) => {
    lastStep = 0;
    run(value, (n) => (lastStep = n));
  });
  const details = fc.check(property, { numRuns: options.numRuns, seed: options.seed });
  if (!details.failed || !details.counterexample) return;
  const [value] = details.counterexample;
  // Run the shrunk case once more to learn at which step it fails.
  let cause: unknown = details.errorInstance;
  try {
    lastStep = 0;
    run(value, (n) => (lastStep = n));
  } catch (error) {
    cause = error;
  }
  // An open TODO is not a counterexample: the grader names the TODO, so pass it on as it is.
  if (cause instanceof Error && cause.name === "NotImplementedError") throw cause;
  // A plain Error: the grader shows its message as it is, a story rather than fast-check's report.
  throw new Error(story(value, lastStep, cause, options));
}

function story<T>(value: T, failedAt: number, cause: unknown, options: ModelCheckOptions<T>): string {
  const steps = options.describe(value);
  const lines = ["the smallest sequence fast-check found that fails:"];
  steps.forEach((text, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${text}${i + 1 === failedAt ? "   ← the code first differs from the model here" : ""}`));
  if (steps.length === 0) lines.push("  (no operation at all)");
  lines.push(failedAt > 0 ? `at step ${failedAt}: ${whatDiffered(cause)}` : `after the steps: ${whatDiffered(cause)}`);
  const setting = typeof options.setting === "function" ? options.setting(value) : options.setting;
  if (setting) lines.push(`setting: ${setting}`);
  return lines.join("\n");
}

/** The assertion's own message, with expected and got spelled out when it carries them. */
function whatDiffered(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const error = cause as Error & { expected?: unknown; actual?: unknown };
  const message = error.message.split("\n")[0];
  if (!("expected" in error) || !("actual" in error)) return message;
  const what = message.startsWith("expected ") ? "" : `${message.replace(/: expected .*$/, "")}: `;
  return `${what}the model expected ${show(error.expected)}, the code gave ${show(error.actual)}`;
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
