/**
 * lib/crash/io-errors.ts: the explorer that makes the disk refuse every write and every
 * flush of a workload, and demands that the error is reported, that the code turns
 * read-only, and that a reboot finds the completed steps and the failed one all or nothing.
 * A one-byte register (a value in block 0, flushed at every set) is the code under test,
 * correct and with the bugs the lesson warns about.
 */
import { describe, expect, test } from "vitest";
import { IOError, SimDisk } from "../../lib/sim-disk.ts";
import { exploreIOErrors, expectIOErrorsHandled } from "../../lib/crash/io-errors.ts";
import type { IOErrorExploration } from "../../lib/crash/io-errors.ts";

type Bug = "none" | "retry flush" | "not read-only" | "error hidden" | "visible before durable";

class Register {
  value: number;
  #aborted: unknown;
  constructor(readonly disk: SimDisk, readonly bug: Bug) {
    this.value = disk.read(0)[0];
  }

  set(value: number): void {
    if (this.#aborted !== undefined && this.bug !== "not read-only") throw new Error("the register was aborted after an I/O error: read-only", { cause: this.#aborted });
    if (this.bug === "visible before durable") this.value = value;
    try {
      this.disk.write(0, new Uint8Array([value]), `value ${value}`);
      this.#flush();
    } catch (error) {
      this.#aborted = error;
      throw this.bug === "error hidden" ? new Error("set failed") : error;
    }
    this.value = value;
  }

  #flush(): void {
    try {
      this.disk.flush();
    } catch (error) {
      if (this.bug !== "retry flush") throw error;
      this.disk.flush(); // succeeds, and proves nothing: the cache was dropped
    }
  }
}

function registerWorkload(bug: Bug): IOErrorExploration<Register> {
  const values = [1, 2, 3];
  return {
    name: `register (${bug})`,
    newDisk: () => new SimDisk({ blocks: 2, blockSize: 8, model: "volatile" }),
    mount: (disk) => new Register(disk, bug),
    steps: values.map((v) => ({ name: `set ${v}`, run: (r: Register) => r.set(v) })),
    checkAborted(r, { completed }) {
      const committed = completed === 0 ? 0 : values[completed - 1];
      if (r.value !== committed) throw new Error(`value is ${r.value}, but the last set that returned wrote ${committed}`);
    },
    check(r, { completed, interrupted }) {
      const before = completed === 0 ? 0 : values[completed - 1];
      const allowed = interrupted === undefined ? [before] : [before, values[interrupted]];
      if (!allowed.includes(r.value)) throw new Error(`value is ${r.value}, expected ${allowed.join(" or ")}`);
    },
  };
}

describe("I/O-error exploration", () => {
  test("a correct register passes at every write and flush, each point checked after both reboots", () => {
    const report = expectIOErrorsHandled(registerWorkload("none"));
    // 3 writes and 3 flushes, each with a power cut and a clean shutdown afterwards
    expect(report.points).toBe(12);
  });

  test("retrying a failed flush and returning fails: success was reported for data that is not on the disk", () => {
    const report = exploreIOErrors(registerWorkload("retry flush"));
    expect(report.failures.length).toBeGreaterThan(0);
    const message = report.failures[0].message;
    expect(message).toMatch(/flush 1 of 3 fails with an I\/O error.*during step 1 "set 1"/);
    expect(message).toMatch(/✗ flush 1 +← fails: the write since the last flush never reaches the disk/);
    expect(message).toMatch(/step 1 returned although the disk refused a flush/);
  });

  test("going on after the error fails: every later step must throw, naming the abort", () => {
    const message = exploreIOErrors(registerWorkload("not read-only"), { stopAtFirst: true }).failures[0].message;
    expect(message).toMatch(/✗ +1\. block 0 +value 1 +← refused \(IOError\)/);
    expect(message).toMatch(/step 2 returned after the I\/O error/);
  });

  test("an error that hides the IOError (no cause) fails: the caller must get the disk's error", () => {
    const message = exploreIOErrors(registerWorkload("error hidden"), { stopAtFirst: true }).failures[0].message;
    expect(message).toMatch(/threw Error: set failed, which is not the IOError/);
  });

  test("checkAborted sees the aborted state: a value shown before it was durable fails", () => {
    const message = exploreIOErrors(registerWorkload("visible before durable"), { stopAtFirst: true }).failures[0].message;
    expect(message).toMatch(/on the aborted file system: value is 1, but the last set that returned wrote 0/);
  });

  test("the recovered state is checked after a reboot, and a non-deterministic or failing workload is named", () => {
    const wrongCheck = { ...registerWorkload("none"), check: () => { throw new Error("never right"); } };
    expect(exploreIOErrors(wrongCheck, { stopAtFirst: true }).failures[0].message).toMatch(/then a reboot \(a power cut: the write cache is lost\) and mount:\n  never right/);
    const broken = { ...registerWorkload("none"), steps: [{ name: "boom", run: () => { throw new IOError("read", 0, "no"); } }] };
    expect(exploreIOErrors(broken).failures[0].message).toMatch(/failed without any I\/O error, in step 1 "boom"/);
  });
});
