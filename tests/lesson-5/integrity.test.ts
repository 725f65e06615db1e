/**
 * Hidden tests for lesson 5, integrity part: journal blocks that reached the disk torn,
 * lost or with a flipped bit are never replayed; replay stops at the first transaction
 * that does not verify; and recovery says what it discarded and why. From
 * tests/support/journal-integrity.ts (lesson 12 runs them too).
 */
import { TxFS } from "@impl/lesson-5/tx-fs.ts";
import { journalIntegrityTests } from "../support/journal-integrity.ts";

journalIntegrityTests(TxFS);
