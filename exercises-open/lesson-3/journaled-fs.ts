/**
 * Lesson 3 · naive journaling, open mode (the challenge track).
 *
 * Read lessons/lesson-3/README.md first. This skeleton gives you only the public API,
 * the disk and the validation the contract fixes. The on-disk format (where the journal
 * and the files live, how a record and a file are encoded) and the whole protocol are
 * yours to design. The hidden tests are the guided track's: they use the API below and
 * the disk, never a layout, so any correct design passes. Run `npm run check lesson-3`
 * after each step and `npm run crash lesson-3` to cut the power at every disk write.
 * `npm run reset lesson-3` gives back the guided skeleton (your file is backed up first).
 *
 * @example
 * ```ts
 * import { SimDisk } from "../../lib/sim-disk.ts";
 * const disk = new SimDisk();
 * const fs = JournaledFS.mount(disk);       // formats the blank disk
 * fs.write("notes.txt", "hello world");
 * const again = JournaledFS.mount(disk.reboot());
 * again.read("notes.txt");                  // "hello world"
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";

// ---------------------------------------------------------------------------------
// The rules the contract fixes (given). Design decisions start below them.
//
// The disk (lib/sim-disk.ts): `blocks` blocks of `blockSize` bytes (256 × 512 by default).
// A single block write is atomic; nothing bigger is. A write that returned is durable, in
// order (the ordered model). A power cut may come before any write, recovery's included.
// ---------------------------------------------------------------------------------

/** Contents of at least this many UTF-8 bytes must be accepted; larger ones may be refused. */
const MAX_FILE_BYTES = 1000;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;

/** A non-string name is a TypeError; a string outside the rule is a RangeError. */
function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`a file name must be a string, got ${typeof name}`);
  if (!NAME.test(name)) {
    throw new RangeError(`invalid file name ${JSON.stringify(name)}: use 1–24 characters of A-Z a-z 0-9 . _ -`);
  }
}

/** The UTF-8 bytes of `data`; a non-string is a TypeError, too many bytes a RangeError. */
function encodeContents(data: unknown): Uint8Array {
  if (typeof data !== "string") throw new TypeError(`file contents must be a string, got ${typeof data}`);
  const bytes = new TextEncoder().encode(data);
  if (bytes.length > MAX_FILE_BYTES) {
    throw new RangeError(`contents of ${bytes.length} bytes are too large: a file holds at most ${MAX_FILE_BYTES} bytes`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------
// The file system: everything below is yours.
// ---------------------------------------------------------------------------------

export class JournaledFS {
  /** Formats a blank disk (all zeros), or recovers a used one. */
  static mount(disk: SimDisk): JournaledFS {
    // TODO(lesson-3:open-mount): a blank disk becomes an empty file system; a used one is
    // recovered, so that every file is as the last completed operation left it and the one
    // a power cut interrupted is wholly done or wholly undone. Mount may write, and a power
    // cut at any of its writes must be as survivable as one anywhere else: the next mount
    // recovers to the same files. A disk your format does not recognise is refused with an
    // Error. README: "The crash lab", "Recovery".
    throw todo("lesson-3:open-mount");
  }

  /** Atomic and durable when it returns. */
  write(name: string, data: string): void {
    // TODO(lesson-3:open-write): checkName, encodeContents. If the power fails at any disk
    // write of this method, the next mount finds `name` wholly as it was or wholly as
    // written, never a mix, and every other file untouched; once write() returns, the new
    // contents survive any crash. The default disk holds at least 20 files of 1000 bytes;
    // a full disk throws a RangeError and changes nothing. Label your disk writes
    // (disk.write's third argument): crash timelines print them. README: "The protocol".
    throw todo("lesson-3:open-write");
  }

  /** False, writing nothing, when there was no such file. */
  delete(name: string): boolean {
    // TODO(lesson-3:open-delete): checkName. The file disappears atomically and durably: a power cut
    // at any disk write leaves it whole or gone after the next mount, and once delete()
    // returns it stays gone. README: "Deleting".
    throw todo("lesson-3:open-delete");
  }

  read(name: string): string | undefined {
    // TODO(lesson-3:open-read): checkName. The contents of the last completed write, or undefined.
    throw todo("lesson-3:open-read");
  }

  /** Sorted by code units (plain Array.prototype.sort); a new array on every call. */
  list(): string[] {
    // TODO(lesson-3:open-list): every file name.
    throw todo("lesson-3:open-list");
  }
}
