/** The whole kit type-checks under strict TypeScript (skeletons included). */
import { expect, test } from "vitest";
import path from "node:path";
import { KIT, run } from "./support/cli.ts";

test("tsc --noEmit reports no errors", async () => {
  const result = await run(path.join(KIT, "node_modules", ".bin", "tsc"), ["-p", KIT]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.code).toBe(0);
});
