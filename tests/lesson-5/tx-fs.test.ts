/**
 * Hidden tests for lesson 5 (contract: lessons/lesson-5/README.md, "What you implement"):
 * lesson 4's TxFS on a disk with a volatile write cache, commit() durable on return with a
 * single flush, and the recovery report, from tests/support/write-cache-api.ts (lesson 12
 * runs them too). Crash exploration is in crashes.test.ts, torn and damaged journal
 * blocks in integrity.test.ts.
 */
import { TxFS } from "@impl/lesson-5/tx-fs.ts";
import { writeCacheApiTests } from "../support/write-cache-api.ts";

writeCacheApiTests(TxFS);
