/**
 * The vitest config `npm run mutate` gives StrykerJS: the kit's own (`vitest.config.ts`,
 * the `@impl/` alias and the test probe) with a longer per-test limit. Instrumented code
 * with per-test coverage runs several times slower than the plain solution, and a test
 * that times out in the initial run stops StrykerJS; a mutant that hangs is still ended by
 * StrykerJS's own timeout, which counts it as detected.
 *
 * @example
 * ```ts
 * new Stryker({ testRunner: "vitest", vitest: { configFile: "scripts/core/mutate-vitest.config.ts", related: false } });
 * ```
 */
import { defineConfig, mergeConfig } from "vitest/config";
import kit from "../../vitest.config.ts";

export default mergeConfig(kit, defineConfig({ test: { testTimeout: 60_000 } }));
