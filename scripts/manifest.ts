/**
 * `npm run manifest` — writes manifest.json: the SHA-256 of every file that decides a
 * grade (hidden tests, lib/, vitest and TypeScript config). Run it whenever one of them
 * changes on purpose, and ship the manifest with the kit; `check` then marks a learner's
 * result "unofficial" when their copy of any of those files differs.
 *
 *   npm run manifest              rewrite manifest.json
 *   npm run manifest -- --check   only compare: exit 1 and name the files when it is stale
 */
import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { parseCommand, registry } from "./core/cli.ts";
import { collectedTestList, runTests } from "./core/run-tests.ts";
import { KIT } from "./core/kit.ts";
import { MANIFEST_FILE, groupOf, manifestDifferences, readManifest, writeManifest } from "./core/integrity.ts";

const USAGE = `
usage: npm run manifest [-- --check]

  Writes ${MANIFEST_FILE}: SHA-256 of the hidden tests, lib/ and the test config, and
  the list of every lesson's tests (from a run of the reference solutions).
  --check    compare only; exit 1 and name what differs when ${MANIFEST_FILE} is stale
`;

const { values } = parseCommand({ usage: USAGE, flags: { check: { type: "boolean" } }, lessons: "none" });

if (values.check && !existsSync(path.join(KIT, MANIFEST_FILE))) {
  console.log(`${MANIFEST_FILE} is missing; write it with: npm run manifest`);
  process.exitCode = 1;
} else if (values.check) {
  let stale: string[];
  try {
    stale = manifestDifferences(KIT, readManifest());
  } catch (error) {
    stale = [`${MANIFEST_FILE} (${(error as Error).message})`];
  }
  if (stale.length === 0) {
    console.log(`${MANIFEST_FILE} is up to date`);
  } else {
    console.log(`${MANIFEST_FILE} is stale; these differ: ${[...new Set(stale.map(groupOf))].join(", ")}`);
    console.log(pc.dim("rewrite it with: npm run manifest"));
    process.exitCode = 1;
  }
} else {
  // The list of every test comes from a run of the reference solutions, which pass them all.
  const { results } = await runTests({ lessons: registry, impl: "solutions" });
  const failing = results.filter((r) => r.failed > 0).map((r) => `${r.lesson} (${r.failed} failed)`);
  if (failing.length > 0) {
    console.error(`${pc.red("error:")} the reference solutions must pass every test before their list is shipped: ${failing.join(", ")}`);
    process.exit(1);
  }
  const manifest = writeManifest(KIT, collectedTestList(results));
  const count = results.reduce((n, r) => n + r.total, 0);
  console.log(`wrote ${MANIFEST_FILE}: ${Object.keys(manifest.files).length} files hashed, ${count} tests listed`);
}
