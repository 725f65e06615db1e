/**
 * The pure parts of the grading model that the spawned grader tests cannot pin down
 * one case at a time.
 */
import { expect, test } from "vitest";
import { explain, importedValueNames } from "../../lib/grading/results.ts";

test("the names a graded file must export are the values the tests import from it, not types", () => {
  const source = [
    'import { CowFS, type Snapshot, helper as renamed } from "@impl/lesson-7/cow-fs.ts";',
    'import type { Stats } from "@impl/lesson-7/cow-fs.ts";',
    'import {\n  Machine,\n  other,\n} from "@impl/lesson-7/cow-fs.ts";',
    'import { SimDisk } from "../../lib/sim-disk.ts";',
    '// import { Commented } from "@impl/lesson-7/cow-fs.ts";',
  ].join("\n");
  expect([...importedValueNames(source, "@impl/lesson-7/cow-fs.ts")].sort()).toEqual(["CowFS", "Machine", "helper", "other"]);
});

test("a failed comparison matcher is explained in its own words, not as expected/got", () => {
  const explanation = explain(
    { name: "AssertionError", message: "expected 160 to be less than 96", expected: 96, actual: 160 },
    [],
    "exercises/lesson-9/",
  );
  expect(explanation).toMatchObject({ kind: "error", message: "expected 160 to be less than 96" });
});

test("a plain mismatch keeps expected and got as text, whatever vitest serialised", () => {
  const explanation = explain({ name: "AssertionError", message: "expected 1 to be 2", expected: 2, actual: 1 }, [], "exercises/");
  expect(explanation).toMatchObject({ kind: "mismatch", expected: "2", actual: "1" });
});
