/**
 * Result integrity (filled in by the instructor tools): marks a result "unofficial" when
 * the kit's hidden tests, lib/ or test config differ from the release manifest.
 */
import type { LessonResult } from "../../lib/grading/results.ts";

export function markUnofficial(_results: LessonResult[]): void {}
