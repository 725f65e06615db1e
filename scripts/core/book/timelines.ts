/**
 * Crash timelines for the workbook, from the same crash exploration the grader and
 * `npm run crash` run: for each lesson with a crash lab (tests/<lesson>/crash-workloads.ts
 * exporting `crashLab`), the disk writes of its first workload against the reference
 * solution, and for every crash point whether the reference and each baseline (the
 * version without the lesson's idea) recover correctly.
 *
 * @example
 * ```ts
 * const figures = await crashTimelines(); // Map { "lesson-3" => TimelineFigure, ... }
 * ```
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { exploreCrashes } from "../../../lib/crash-explorer.ts";
import type { Exploration } from "../../../lib/crash-explorer.ts";
import { SimDisk } from "../../../lib/sim-disk.ts";
import { lessons } from "../../../lib/registry.ts";
import { KIT } from "../kit.ts";
import type { TimelineFigure } from "./svg.ts";

interface CrashLab {
  file: string;
  baselines: readonly { label: string; path: string }[];
  explorations(module: Record<string, unknown>): Exploration<unknown>[];
}

export async function crashTimelines(): Promise<Map<string, TimelineFigure>> {
  const figures = new Map<string, TimelineFigure>();
  for (const lesson of lessons) {
    const labFile = path.join(KIT, "tests", lesson.id, "crash-workloads.ts");
    if (!existsSync(labFile)) continue;
    const lab = (await import(pathToFileURL(labFile).href)).crashLab as CrashLab | undefined;
    if (!lab) continue;
    const subjects = [
      { name: "reference", file: path.join(KIT, "solutions", lesson.id, lab.file) },
      ...lab.baselines.map((b) => ({ name: b.label, file: path.join(KIT, b.path) })),
    ];
    const explorations = await Promise.all(subjects.map(async (s) => lab.explorations(await import(pathToFileURL(s.file).href))[0]));
    const reference = explorations[0];
    if (!reference || reference.volatile) continue; // the figure shows the ordered model's write-by-write story
    const plan = cleanRun(reference);
    figures.set(lesson.id, {
      title: `${lesson.id}: ${reference.name ?? "the first crash workload"}, crash by crash`,
      writes: plan.writes,
      steps: plan.steps,
      rows: explorations.map((e, i) => ({ name: subjects[i].name, survived: survivedPoints(e, plan.writes.length) })),
    });
  }
  return figures;
}

/** The writes of the workload without a crash, and where each step began. */
function cleanRun(e: Exploration<unknown>): Pick<TimelineFigure, "writes" | "steps"> {
  const disk = e.newDisk ? e.newDisk() : new SimDisk();
  const fs = e.mount(disk);
  const steps = e.steps.map((step) => {
    const start = disk.writes;
    step.run(fs);
    return { name: step.name, start };
  });
  return { writes: disk.log.map((w) => ({ index: w.index, block: w.block, label: w.label })), steps };
}

/** survived[k] for k = 0..writes: no failure at crash point k (recovery crashes included). */
function survivedPoints(e: Exploration<unknown>, writes: number): boolean[] {
  const failed = new Set(exploreCrashes(e).failures.map((f) => f.outcome.point));
  return Array.from({ length: writes + 1 }, (_, k) => !failed.has(k));
}
