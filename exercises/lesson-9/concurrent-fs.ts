/**
 * Lesson 9: a file system that runs many transactions at once, safely and fast.
 * YOUR EXERCISE: fill in the TODO(lesson-9:...) parts; the rest is written for you.
 *
 * Contract (lessons/lesson-9/README.md, "What you implement"):
 *   - `await fs.transaction(async (tx) => ...)` runs the body as one transaction and
 *     resolves to `{ txid, value }` once it is durable; the body's result is `value`.
 *     Whatever interleaving the transactions run in, the outcome equals running the
 *     committed ones one after another (serializable); a body that throws changes nothing
 *     and its error comes out of `transaction()`.
 *   - `tx.read`, `tx.write`, `tx.delete` lock the file until the transaction ends
 *     (strict two-phase locking). A transaction that must give way to avoid a deadlock is
 *     aborted and its body runs again, so a body may run more than once.
 *   - With group commit (the default), transactions that commit while a flush is under
 *     way share the next one: one log write, one commit point, one flush for all.
 *
 * Locks use wait-die: an older transaction waits for a younger one, a younger one that
 * would wait for an older one aborts instead. Waiting only ever goes from old to young,
 * so no cycle of waiting can form; a retried transaction keeps its age, so it ends up the
 * oldest and cannot be aborted forever.
 *
 * @example
 * ```ts
 * const fs = ConcurrentFS.mount(new SimDisk());
 * await Promise.all([1, 2, 3].map((n) =>
 *   fs.transaction(async (tx) => {
 *     const seen = Number((await tx.read("counter")) ?? "0");
 *     await tx.write("counter", String(seen + n));
 *   })));
 * fs.read("counter"); // "6"
 * ```
 */
import type { SimDisk } from "../../lib/sim-disk.ts";
import { todo } from "../../lib/todo.ts";
import { checkContents, checkName, LogStore } from "../../lib/log-store.ts";
import type { Changes } from "../../lib/log-store.ts";

export interface ConcurrentFSOptions {
  /** Share one flush among the transactions that commit together; true by default. */
  groupCommit?: boolean;
  /** The time a flush takes, as something to await; by default one turn of the event loop. */
  io?: () => Promise<void>;
}

export interface Transaction {
  read(name: string): Promise<string | undefined>;
  write(name: string, data: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Thrown inside a transaction that wait-die chose to abort; transaction() runs it again. */
export class DeadlockAbort extends Error {
  /** The file whose lock it gave way on. */
  readonly file: string;
  constructor(file: string) {
    super(`aborted to avoid a deadlock on ${file}; the transaction will run again`);
    this.name = "DeadlockAbort";
    this.file = file;
  }
}

/** A transaction's identity for the lock manager: its age survives retries. */
interface Owner {
  readonly age: number;
  readonly held: Set<string>;
}

interface Waiter {
  owner: Owner;
  grant(): void;
  abort(error: Error): void;
}

/** Exclusive per-file locks with wait-die deadlock prevention. */
export class LockManager {
  #holders = new Map<string, Owner>();
  #waiters = new Map<string, Waiter[]>();
  #onRelease = new Map<string, Array<() => void>>();

  /**
   * Resolves when the file's current holder lets go (at once when nobody holds it). An
   * aborted transaction waits for this before it runs again: retrying at once would only
   * run into the same lock, over and over, without giving the holder a chance to finish.
   */
  whenReleased(name: string): Promise<void> {
    if (!this.#holders.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const listeners = this.#onRelease.get(name) ?? [];
      listeners.push(resolve);
      this.#onRelease.set(name, listeners);
    });
  }

  /** Resolves once `owner` holds `name`; rejects with DeadlockAbort when it must give way. */
  acquire(owner: Owner, name: string): Promise<void> {
    // TODO(lesson-9:locks): resolve once `owner` holds the lock on `name` (at once when
    // nobody holds it, this.#take, or when `owner` already does). Wait-die keeps deadlock
    // impossible: an owner may wait (this.#waiters) only for a younger holder; one younger
    // than the holder is rejected with a DeadlockAbort instead. The other half of this TODO
    // is releaseAll() below. README: "Locks, and the deadlock they can cause".
    throw todo("lesson-9:locks");
  }

  /** Releases every lock of `owner`, handing each to its oldest waiter. */
  releaseAll(owner: Owner): void {
    if (owner.held.size === 0 && !this.#isWaiting(owner)) return; // nothing to let go of
    // TODO(lesson-9:locks), second half: afterwards `owner` holds nothing and waits for
    // nothing: each lock it held goes on (this.#handOver picks the next holder) and wakes
    // whoever waits for it to be free (the #onRelease listeners of that file), and any wait of
    // `owner` still queued is rejected with a DeadlockAbort. README: "Locks, and the deadlock
    // they can cause".
    throw todo("lesson-9:locks");
  }

  #isWaiting(owner: Owner): boolean {
    return [...this.#waiters.values()].some((queue) => queue.some((w) => w.owner === owner));
  }

  #take(owner: Owner, name: string): void {
    this.#holders.set(name, owner);
    owner.held.add(name);
  }

  /**
   * The oldest waiter gets the lock. Every other waiter is younger than the new holder,
   * and wait-die lets nobody wait for an older transaction, so they abort and retry.
   */
  #handOver(name: string): void {
    const queue = this.#waiters.get(name);
    this.#waiters.delete(name);
    if (!queue || queue.length === 0) return;
    queue.sort((a, b) => a.owner.age - b.owner.age);
    const [next, ...rest] = queue;
    this.#take(next.owner, name);
    next.grant();
    for (const w of rest) w.abort(new DeadlockAbort(name));
  }
}

interface PendingCommit {
  changes: Changes;
  done(txid: number): void;
  fail(error: unknown): void;
}

/** Collects the commits that arrive while a flush is under way and makes them durable together. */
export class GroupCommitter {
  readonly #store: LogStore;
  readonly #io: () => Promise<void>;
  readonly #grouping: boolean;
  #queue: PendingCommit[] = [];
  #flushing = false;
  #nextTxid: number;

  constructor(store: LogStore, io: () => Promise<void>, grouping: boolean) {
    this.#store = store;
    this.#io = io;
    this.#grouping = grouping;
    this.#nextTxid = store.lastTxid + 1;
  }

  /** Resolves to the transaction's id once its changes are durable. */
  commit(changes: Changes): Promise<number> {
    // TODO(lesson-9:group-commit): a promise that #flushGroup settles (done or fail) once
    // the changes are durable or refused. Commits that arrive while a flush is under way must
    // share the next one, and at most one flush loop (this.#flushing) runs at a time. The
    // other half is #flushLoop() below. README: "Group commit".
    throw todo("lesson-9:group-commit");
  }

  /** One caller leads: it flushes group after group until nobody is waiting. */
  async #flushLoop(): Promise<void> {
    // TODO(lesson-9:group-commit), second half: while commits wait in this.#queue, this
    // caller leads: each round waits for the disk (this.#io(); whoever commits meanwhile
    // joins) and hands #flushGroup a batch, every waiting commit with this.#grouping, else
    // only the first. this.#flushing is true while the loop runs and false once it stops,
    // even when it throws. README: "Group commit".
    throw todo("lesson-9:group-commit");
  }

  #flushGroup(batch: PendingCommit[]): void {
    const accepted: PendingCommit[] = [];
    for (const pending of batch) {
      try {
        this.#store.check([...accepted, pending].map((p) => p.changes));
        accepted.push(pending);
      } catch (error) {
        pending.fail(error); // this one does not fit; the others still commit
      }
    }
    if (accepted.length === 0) return;
    const firstTxid = this.#nextTxid;
    try {
      this.#store.commit(accepted.map((p) => p.changes), firstTxid + accepted.length - 1);
    } catch (error) {
      for (const p of [...accepted, ...this.#queue.splice(0)]) p.fail(error);
      return;
    }
    this.#nextTxid += accepted.length;
    accepted.forEach((p, i) => p.done(firstTxid + i));
  }
}

/** The body's view of its transaction: locked reads, buffered writes. */
class TransactionContext implements Transaction {
  readonly changes = new Map<string, string | undefined>();
  aborted: DeadlockAbort | undefined;

  constructor(
    readonly owner: Owner,
    readonly locks: LockManager,
    readonly store: LogStore,
  ) {}

  async read(name: string): Promise<string | undefined> {
    checkName(name);
    await this.#lock(name);
    return this.changes.has(name) ? this.changes.get(name) : this.store.read(name);
  }

  async write(name: string, data: string): Promise<void> {
    checkName(name);
    checkContents(data);
    await this.#lock(name);
    this.changes.set(name, data);
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    await this.#lock(name);
    this.changes.set(name, undefined);
  }

  async #lock(name: string): Promise<void> {
    if (this.aborted) throw this.aborted;
    try {
      await this.locks.acquire(this.owner, name);
    } catch (error) {
      if (error instanceof DeadlockAbort) this.aborted = error; // even if the body swallows it
      throw error;
    }
  }
}

export class ConcurrentFS {
  readonly #store: LogStore;
  readonly #locks = new LockManager();
  readonly #committer: GroupCommitter;
  #age = 0;

  private constructor(store: LogStore, options: ConcurrentFSOptions) {
    this.#store = store;
    const io = options.io ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    this.#committer = new GroupCommitter(store, io, options.groupCommit ?? true);
  }

  static mount(disk: SimDisk, options: ConcurrentFSOptions = {}): ConcurrentFS {
    return new ConcurrentFS(LogStore.mount(disk), options);
  }

  /** The committed contents (no lock: a transaction in progress is not visible). */
  read(name: string): string | undefined {
    return this.#store.read(checkName(name));
  }

  list(): string[] {
    return this.#store.list();
  }

  async transaction<R>(body: (tx: Transaction) => Promise<R>): Promise<{ txid: number; value: R }> {
    const owner: Owner = { age: ++this.#age, held: new Set() };
    for (;;) {
      const tx = new TransactionContext(owner, this.#locks, this.#store);
      let abort: DeadlockAbort;
      try {
        const value = await body(tx);
        if (tx.aborted) throw tx.aborted;
        const txid = await this.#committer.commit(tx.changes);
        return { txid, value };
      } catch (error) {
        if (!(error instanceof DeadlockAbort)) throw error;
        abort = error;
      } finally {
        this.#locks.releaseAll(owner);
      }
      await this.#locks.whenReleased(abort.file);
    }
  }
}
