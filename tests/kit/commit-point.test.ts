/**
 * lib/crash/commit-point.ts: it holds a named commit write to its word (old before it,
 * new after it; under a write cache, new once it is flushed), demands one decisive write
 * of every design (monotone), lets a design with its own format off with the monotone
 * rule only, ignores steps that change nothing, and reports the exploration's own
 * failures first.
 *
 * The subjects are tiny journaled "registers" keeping one string: block 1 the journal
 * record (byte 0 is 1 when it holds a value), block 2 the value at home.
 */
import { describe, expect, test } from "vitest";
import { expectOneOf, type CrashOutcome, type Exploration } from "../../lib/crash-explorer.ts";
import { expectCommitPointsHeld, exploreCommitPoints, sideFrom, type CommitPointRule } from "../../lib/crash/commit-point.ts";
import { SimDisk } from "../../lib/sim-disk.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b).replace(/\0+$/, "");

interface Register {
  set(value: string): void;
  get(): string;
}

interface Options {
  /** Where the journal record lives (1 in "the skeleton's layout"). */
  journal?: number;
  /** Recovery forgets a committed record instead of redoing it. */
  ignoreRecord?: boolean;
  /** Flush after each write (for the volatile model). */
  flush?: boolean;
  /** Recovery clears the record before redoing it: a crash in between forgets it. */
  clearFirst?: boolean;
}

/** Journals the value (record, then home, then clear); recovery redoes a record it finds. */
function journaledRegister(options: Options = {}) {
  const journal = options.journal ?? 1;
  const home = journal === 1 ? 2 : 1;
  return (disk: SimDisk): Register => {
    const write = (block: number, data: Uint8Array, label: string) => {
      disk.write(block, data, label);
      if (options.flush) disk.flush();
    };
    const record = disk.read(journal);
    if (record[0] === 1) {
      if (options.clearFirst) write(journal, new Uint8Array(0), "journal: clear (recovery)");
      if (!options.ignoreRecord) write(home, record.subarray(1), "home (redo)");
      if (!options.clearFirst) write(journal, new Uint8Array(0), "journal: clear (recovery)");
    }
    return {
      set(value) {
        write(journal, Uint8Array.of(1, ...enc(value)), `journal: record ${value} (commit)`);
        write(home, enc(value), `home: ${value}`);
        write(journal, new Uint8Array(0), "journal: clear");
      },
      get: () => dec(disk.read(home)),
    };
  };
}

/** Writes the new value home, puts the old one back, then the new one again: all or nothing, but undecided. */
function flipFlopRegister(disk: SimDisk): Register {
  return {
    set(value) {
      const old = disk.read(2);
      disk.write(2, enc(value), `home: ${value}`);
      disk.write(2, old, "home: the old value again");
      disk.write(2, enc(value), `home: ${value} again`);
    },
    get: () => dec(disk.read(2)),
  };
}

/** Sets each value in turn; the check accepts the state before or after the interrupted step. */
function exploration(mount: (disk: SimDisk) => Register, values: readonly string[], volatile = false): Exploration<Register> {
  const states = ["", ...values];
  return {
    name: `set ${values.join(", ")}`,
    newDisk: () => new SimDisk({ blocks: 4, blockSize: 32, model: volatile ? "volatile" : "ordered" }),
    mount,
    steps: values.map((v) => ({ name: `set ${v}`, run: (r: Register) => r.set(v) })),
    volatile: volatile ? true : undefined,
    check(r, { completed, interrupted }: CrashOutcome) {
      const allowed: [string, string][] = [["after the completed steps", states[completed]]];
      if (interrupted !== undefined) allowed.push(["after the interrupted step", states[interrupted + 1]]);
      expectOneOf("the value", r.get(), allowed);
    },
  };
}

function rule(values: readonly string[], named = true): CommitPointRule<Register> {
  const states = ["", ...values];
  return {
    sideOf: (r, { interrupted }) => interrupted === undefined ? "either" : sideFrom(r.get() === states[interrupted], r.get() === states[interrupted + 1]),
    isCommitWrite: named ? (write) => write.block === 1 && write.image[0] === 1 : undefined,
  };
}

const VALUES = ["one", "two", "three"];

describe("the named commit write", () => {
  test("a correct journal passes: old before the record is written, new after it", () => {
    const report = expectCommitPointsHeld(exploration(journaledRegister(), VALUES), rule(VALUES));
    expect(report.commitWrites).toEqual([0, 3, 6]);
    expect(report.points).toBeGreaterThan(9);
  });

  test("a recovery that forgets a committed record fails, with the commit write named in the story", () => {
    const buggy = exploration(journaledRegister({ ignoreRecord: true }), VALUES);
    // The plain rule is not enough: forgetting looks like "old", which the check allows.
    expect(exploreCommitPoints(buggy, rule(VALUES, false)).failures).toEqual([]);
    const { failures } = exploreCommitPoints(buggy, rule(VALUES));
    expect(failures.length).toBe(1);
    expect(failures[0]).toContain('crash after write 1 of 9, during step 1 of 3 "set one"');
    expect(failures[0]).toContain("← the commit point");
    expect(failures[0]).toContain('the step\'s commit point, write 1 (block 1, "journal: record one (commit)"), had been written before the crash');
  });

  test("a design with its own format (the record elsewhere) is held to the monotone rule only", () => {
    const own = exploration(journaledRegister({ journal: 3 }), VALUES);
    const report = expectCommitPointsHeld(own, rule(VALUES));
    expect(report.commitWrites).toEqual([undefined, undefined, undefined]);
  });

  test("with a write cache: old while the commit write is not issued, new once it is flushed, either in between", () => {
    expectCommitPointsHeld(exploration(journaledRegister({ flush: true }), VALUES, true), rule(VALUES));
    const { failures } = exploreCommitPoints(exploration(journaledRegister({ flush: true, ignoreRecord: true }), VALUES, true), rule(VALUES));
    expect(failures[0]).toContain("had reached the disk (flushed) before the crash");
  });
});

describe("the monotone rule", () => {
  test("an operation decided, undone and decided again fails, though every state is old or new", () => {
    const flipFlop = exploration(flipFlopRegister, ["one", "two"]);
    const { failures } = exploreCommitPoints(flipFlop, rule(["one", "two"], false));
    expect(failures.length).toBe(1);
    expect(failures[0]).toContain("crash after write 2 of 6");
    expect(failures[0]).toContain("a crash earlier in the same step, after write 1, recovered them as after it");
  });

  test("a crash during recovery must not change what recovery decided", () => {
    const clearFirst = exploration(journaledRegister({ clearFirst: true }), VALUES);
    const { failures } = exploreCommitPoints(clearFirst, rule(VALUES, false));
    expect(failures.length).toBe(1);
    expect(failures[0]).toContain("recovery crashed after 1 of its writes");
    expect(failures[0]).toContain("a crash during recovery must not change the outcome recovery had decided");
  });

  test("steps that leave the state as it was (either side) constrain nothing", () => {
    // Each step writes the value the register already holds: before and after are one state.
    const report = expectCommitPointsHeld(exploration(flipFlopRegister, ["", ""]), rule(["", ""], false));
    expect(report.points).toBeGreaterThan(6);
    expect(exploreCommitPoints(exploration(flipFlopRegister, ["one"]), rule(["one"], false)).failures.length).toBe(1);
  });
});

describe("the exploration's own check", () => {
  test("comes first: a torn or wrong state is reported as the plain explorer reports it", () => {
    const wrong = exploration(journaledRegister(), VALUES);
    const { failures } = exploreCommitPoints({ ...wrong, check: () => { throw new Error("planted failure"); } }, rule(VALUES));
    expect(failures[0]).toContain("planted failure");
    expect(failures.length).toBe(1);
  });
});
