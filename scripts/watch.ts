/** `npm run watch <lesson>`: grade again on every save (the learner's loop). */
import type { Lesson } from "../lib/registry.ts";

export async function watch(_lesson: Lesson | undefined, _options: { solutions: boolean }): Promise<void> {
  console.error("watch mode is not available yet");
  process.exit(2);
}
