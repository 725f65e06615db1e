/**
 * Hidden tests for lesson 12: everything lesson 5 promises still holds (lessons/lesson-12/
 * README.md, "What you implement"). Lesson 5's own tests of the API on a write cache and
 * of damaged journal blocks, run on lesson 12's TxFS (tests/support).
 */
import { TxFS } from "@impl/lesson-12/tx-fs.ts";
import { writeCacheApiTests } from "../support/write-cache-api.ts";
import { journalIntegrityTests } from "../support/journal-integrity.ts";

writeCacheApiTests(TxFS);
journalIntegrityTests(TxFS);
