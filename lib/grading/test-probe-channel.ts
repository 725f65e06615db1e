/** The channel and messages by which test workers tell the grader which test runs (see test-probe.ts). */
export const PROBE_CHANNEL = "crash-course-test-probe";

export type ProbeMessage =
  | { type: "start"; file: string; name: string; at: number }
  | { type: "end"; file: string; name: string; state: string; at: number };
