/**
 * The whole kit type-checks under strict TypeScript, skeletons included: the skeletons as
 * shipped (a copy of the kit, shippedKit), so that a learner's half-written exercise does
 * not fail the kit's own suite.
 */
import { expect, test } from "vitest";
import path from "node:path";
import { KIT, run } from "./support/cli.ts";
import { shippedKit } from "./support/temp-kit.ts";

test("tsc --noEmit reports no errors", async () => {
  const result = await run(path.join(KIT, "node_modules", ".bin", "tsc"), ["-p", shippedKit()]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.code).toBe(0);
}, 600_000);
