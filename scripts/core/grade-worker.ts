/**
 * Internal: grades lessons and prints the RunOutcome as JSON. run-tests.ts starts it in a
 * fresh process after a test got stuck, with the stuck tests to skip.
 * Arguments: <impl> <timeLimitMs> <skip as JSON> <lesson ids...>
 */
import process from "node:process";
import { lessons as registry } from "../../lib/registry.ts";
import { runTests } from "./run-tests.ts";

const [impl, limit, skipJson, ...ids] = process.argv.slice(2);
const lessons = ids.map((id) => registry.find((l) => l.id === id)!);
const outcome = await runTests({ lessons, impl, timeLimitMs: Number(limit), skip: JSON.parse(skipJson) });
process.stdout.write(JSON.stringify(outcome), () => process.exit(0));
