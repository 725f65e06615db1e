/**
 * lib/crash-explorer.ts: it finds a planted crash bug and passes correct code, checks the
 * number of crash points it promises, crashes recovery too, reports code that swallows a
 * CrashError, and tells a failure as a timeline in words: repeated bytes folded, long text
 * cut, recovery's own writes under a "recovery" heading; `npm run crash` tells one failing
 * workload's story unless `--all`.
 *
 * The subjects are tiny "registers" that keep one string over two 16-byte blocks, plus
 * lesson 3's deliberately unjournaled file system (lib/demos/unjournaled-fs.ts).
 */
import { describe, expect, test } from "vitest";
import {
  describeTimeline,
  expectOneOf,
  expectSurvivesCrashes,
  exploreCrashes,
  formatValue,
  type CrashOutcome,
  type Exploration,
} from "../../lib/crash-explorer.ts";
import { kit } from "./support/cli.ts";
import { shippedKit } from "./support/temp-kit.ts";
import { SimDisk } from "../../lib/sim-disk.ts";
import { UnjournaledFS } from "../../lib/demos/unjournaled-fs.ts";

const SIZE = 16;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b).replace(/\0+$/, "");

interface Register {
  set(value: string): void;
  get(): string;
}

/** Writes the two halves in place: a crash between them tears the value. */
class InPlaceRegister implements Register {
  constructor(readonly disk: SimDisk) {}
  static mount(disk: SimDisk) {
    return new InPlaceRegister(disk);
  }
  set(value: string) {
    this.disk.write(1, enc(value.slice(0, SIZE)), "first half");
    this.disk.write(2, enc(value.slice(SIZE)), "second half");
  }
  get() {
    return dec(this.disk.read(1)) + dec(this.disk.read(2));
  }
}

/**
 * A correct journal: copy to blocks 3-4, set the flag in block 0 (the commit), copy home
 * to blocks 1-2, clear the flag. Recovery redoes the copy when the flag is set. With
 * `clearFirst`, recovery clears the flag before copying: fine unless recovery crashes.
 */
class JournalRegister implements Register {
  constructor(readonly disk: SimDisk) {}
  static mount(disk: SimDisk, clearFirst = false) {
    const reg = new JournalRegister(disk);
    if (disk.read(0)[0] === 1) {
      if (clearFirst) disk.write(0, new Uint8Array(0), "clear flag");
      reg.#home(dec(disk.read(3)) + dec(disk.read(4)));
      if (!clearFirst) disk.write(0, new Uint8Array(0), "clear flag");
    }
    return reg;
  }
  set(value: string) {
    this.disk.write(3, enc(value.slice(0, SIZE)), "journal: first half");
    this.disk.write(4, enc(value.slice(SIZE)), "journal: second half");
    this.disk.write(0, new Uint8Array([1]), "flag (commit)");
    this.#home(value);
    this.disk.write(0, new Uint8Array(0), "clear flag");
  }
  #home(value: string) {
    this.disk.write(1, enc(value.slice(0, SIZE)), "first half");
    this.disk.write(2, enc(value.slice(SIZE)), "second half");
  }
  get() {
    return dec(this.disk.read(1)) + dec(this.disk.read(2));
  }
}

/** In place, and it catches the power cut and carries on as if nothing happened. */
class SwallowingRegister extends InPlaceRegister {
  static override mount(disk: SimDisk) {
    return new SwallowingRegister(disk);
  }
  override set(value: string) {
    try {
      super.set(value);
    } catch {
      // "handled"
    }
  }
}

const OLD = "o".repeat(32);
const NEW = "n".repeat(32);

function registerExploration(mount: (disk: SimDisk) => Register, seen: CrashOutcome[] = []): Exploration<Register> {
  return {
    name: "register",
    newDisk: () => new SimDisk({ blocks: 8, blockSize: SIZE }),
    mount,
    steps: [
      { name: "set old", run: (r) => r.set(OLD) },
      { name: "set new", run: (r) => r.set(NEW) },
    ],
    check(reg, outcome) {
      seen.push(outcome);
      const states = ["", OLD, NEW];
      const allowed: [string, string][] = [[`after step ${outcome.completed}`, states[outcome.completed]]];
      if (outcome.interrupted !== undefined) allowed.push([`after step ${outcome.interrupted + 1}`, states[outcome.interrupted + 1]]);
      expectOneOf("the register", reg.get(), allowed);
    },
  };
}

describe("finding bugs", () => {
  test("a correct journal survives every crash point", () => {
    const report = exploreCrashes(registerExploration((d) => JournalRegister.mount(d)));
    expect(report.failures).toEqual([]);
    expect(() => expectSurvivesCrashes(registerExploration((d) => JournalRegister.mount(d)))).not.toThrow();
  });

  test("an in-place write that tears the value is found, and the story says where", () => {
    const report = exploreCrashes(registerExploration((d) => InPlaceRegister.mount(d)));
    // Writes: 1 first half, 2 second half (set old), 3 first half, 4 second half (set new).
    // Torn states: a crash after write 1 or after write 3.
    expect(report.failures.map((f) => f.outcome.point)).toEqual([1, 3]);
    const story = report.failures[1].message;
    expect(story).toContain("crash after write 3 of 4");
    expect(story).toContain('step 2 of 2 "set new"');
    expect(story).toMatch(/✗\s+4\. block 2\s+second half\s+← power cut here, never written/);
    expect(story).toContain("the register is");
  });

  test("lesson 3's file system without a journal is found to tear an overwrite", () => {
    const a = "a".repeat(1000);
    const b = "b".repeat(1000);
    const exploration: Exploration<UnjournaledFS> = {
      mount: (d) => UnjournaledFS.mount(d),
      steps: [
        { name: "write notes.txt (a)", run: (fs) => fs.write("notes.txt", a) },
        { name: "write notes.txt (b)", run: (fs) => fs.write("notes.txt", b) },
      ],
      check(fs, { completed, interrupted }) {
        const states = [undefined, a, b];
        const allowed: [string, unknown][] = [["completed", states[completed]]];
        if (interrupted !== undefined) allowed.push(["interrupted step done", states[interrupted + 1]]);
        expectOneOf("notes.txt", fs.read("notes.txt"), allowed);
      },
    };
    expect(() => expectSurvivesCrashes(exploration)).toThrow(/data block 2 of 2 of notes\.txt\s+← power cut here/);
  });

  test("stopAtFirst stops at the first failure", () => {
    const report = exploreCrashes(registerExploration((d) => InPlaceRegister.mount(d)), { stopAtFirst: true });
    expect(report.failures).toHaveLength(1);
  });
});

describe("what is explored", () => {
  test("every crash point from 0 to W-1, plus the clean run, each checked once", () => {
    const seen: CrashOutcome[] = [];
    const report = exploreCrashes(registerExploration((d) => InPlaceRegister.mount(d), seen));
    expect(report.points).toBe(5);
    expect(seen.map((o) => o.point).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(seen.every((o) => o.totalWrites === 4)).toBe(true);
    const at = (point: number) => seen.find((o) => o.point === point)!;
    expect([at(0).completed, at(0).interrupted]).toEqual([0, 0]);
    expect([at(2).completed, at(2).interrupted]).toEqual([1, 1]);
    expect([at(4).completed, at(4).interrupted]).toEqual([2, undefined]);
  });

  test("recovery is crashed too, at each of its writes", () => {
    const seen: CrashOutcome[] = [];
    exploreCrashes(registerExploration((d) => JournalRegister.mount(d), seen));
    // Each set is 6 writes; a crash after the commit of "set new" (write 9) leaves
    // recovery 3 writes to do (two halves home, clear the flag); before it, none.
    const recoveryCrashes = (point: number) => seen.filter((o) => o.point === point && o.recoveryCrash !== undefined).map((o) => o.recoveryCrash);
    expect(recoveryCrashes(9).sort()).toEqual([0, 1, 2]);
    expect(recoveryCrashes(8)).toEqual([]);
  });

  test("a recovery that is only wrong when it crashes is found, and not without recovery crashes", () => {
    const buggy = registerExploration((d) => JournalRegister.mount(d, true));
    const report = exploreCrashes(buggy);
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => f.outcome.recoveryCrash !== undefined)).toBe(true);
    expect(report.failures[0].message).toMatch(/recovery crashed too/);
    // Recovery's writes come under a heading of their own, after the run's timeline.
    const story = report.failures[0].message.split("\n");
    const heading = story.findIndex((line) => /^\s+recovery\b/.test(line));
    expect(heading, report.failures[0].message).toBeGreaterThan(story.findIndex((line) => /← power cut here/.test(line)));
    expect(story[heading + 1]).toMatch(/^\s+\d+\. block \d+\s+(clear flag|first half|second half)$/);
    expect(exploreCrashes({ ...buggy, crashDuringRecovery: false }).failures).toEqual([]);
  });

  test("code that swallows the CrashError is reported", () => {
    const report = exploreCrashes(registerExploration((d) => SwallowingRegister.mount(d)));
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures[0].message).toMatch(/caught the CrashError/);
  });

  test("a workload that fails without any crash is reported as such", () => {
    const report = exploreCrashes({
      mount: (d) => InPlaceRegister.mount(d),
      steps: [{ name: "explode", run: () => { throw new TypeError("boom"); } }],
      check() {},
    });
    expect(report.points).toBe(0);
    expect(report.failures[0].message).toMatch(/without any crash.*\n.*TypeError: boom/);
  });

  test("a crash while mounting is explored (interrupted is undefined)", () => {
    const seen: CrashOutcome[] = [];
    exploreCrashes({
      newDisk: () => new SimDisk({ blocks: 4, blockSize: SIZE }),
      mount: (d) => {
        if (d.read(0)[0] === 0) d.write(0, new Uint8Array([1]), "format");
        return InPlaceRegister.mount(d);
      },
      steps: [{ name: "set", run: (r) => r.set("x") }],
      check: (_, outcome) => void seen.push(outcome),
    });
    const mountCrash = seen.find((o) => o.point === 0)!;
    expect([mountCrash.completed, mountCrash.interrupted]).toEqual([0, undefined]);
  });
});

describe("helpers", () => {
  test("expectOneOf passes on any allowed value, deeply, and says what was expected otherwise", () => {
    expect(() => expectOneOf("x", [1, "a"], [["one", [1, "a"]]])).not.toThrow();
    expect(() => expectOneOf("notes.txt", "abc", [["before the write", ""], ["after it", "abcdef"]])).toThrow(
      'notes.txt is "abc"; expected "" (before the write) or "abcdef" (after it)',
    );
    expect(() => expectOneOf("f", undefined, [["after", "x"]])).toThrow("f is missing");
  });

  test("describeTimeline numbers the writes and marks the one a crash prevents", () => {
    const log = [
      { index: 1, block: 0, label: "journal header", bytes: 10 },
      { index: 2, block: 12, label: "", bytes: 512 },
    ];
    const text = describeTimeline(log, 1);
    expect(text.split("\n")[0]).toMatch(/^\s+1\. block 0\s+journal header$/);
    expect(text.split("\n")[1]).toMatch(/^✗\s+2\. block 12\s+\(512 bytes\)\s+← power cut here, never written$/);
  });
});

describe("values in a story", () => {
  test("a run of one repeated byte is folded, with the length in bytes", () => {
    expect(formatValue("\u0000".repeat(1000))).toBe('"\\u0000"×1000 (1000 bytes)');
    expect(formatValue("[v2]" + "b".repeat(508) + "a".repeat(488))).toBe('"[v2]" + "b"×508 + "a"×488 (1000 bytes)');
  });

  test("long text without runs is cut, short text is shown whole", () => {
    const long = Array.from({ length: 200 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const shown = formatValue(long);
    expect(shown.length).toBeLessThan(60);
    expect(shown).toMatch(/^"abcdefghijklmnopqrstuvwxyzabcdef"… \(200 bytes\)$/);
    expect(formatValue("hello")).toBe('"hello"');
    expect(formatValue(undefined)).toBe("missing");
  });

  test("a check's message folds the file it shows", () => {
    expect(() => expectOneOf("notes.txt", "\u0000".repeat(512), [["after", "x".repeat(512)]])).toThrow(
      'notes.txt is "\\u0000"×512 (512 bytes); expected "x"×512 (512 bytes) (after)',
    );
  });
});

describe("npm run crash", () => {
  test("tells the first failing workload's story, and every one with --all", async () => {
    const cwd = shippedKit(); // the untouched exercise, whatever this kit's working copy holds
    const first = await kit("node", "crash", ["lesson-3"], { cwd });
    const all = await kit("node", "crash", ["lesson-3", "--all"], { cwd });
    const stories = (output: string) => output.split("\n").filter((line) => /← power cut here/.test(line)).length;
    expect(stories(first.stdout), first.stdout).toBe(1);
    expect(first.stdout).toMatch(/\d+ more workloads? fails?: (npm run crash lesson-3 -- --all|deno task crash lesson-3 --all) tells each/);
    expect(stories(all.stdout), all.stdout).toBeGreaterThan(1);
    expect(all.stdout).not.toMatch(/more workloads? fails?/);
    expect([first.code, all.code]).toEqual([1, 1]);
  });
});
