/**
 * Crash timelines for the workbook, from the same exploration the grader runs.
 */
import type { TimelineFigure } from "./svg.ts";

export async function crashTimelines(): Promise<Map<string, TimelineFigure>> {
  return new Map();
}
