/**
 * Lesson 2 · copy-on-write with snapshots.
 *
 * Read lessons/lesson-2/README.md first. A SnapshotStore is a string-keyed map whose
 * snapshots cost O(1): its state is a persistent binary search tree whose nodes are
 * never changed once made. A write copies only the path from the root to the changed
 * key and shares everything else; a snapshot is just a root; restore() makes a
 * snapshot's root the live root again. The tree plumbing (nodes, rotations, joining two
 * trees, the in-order walk, the snapshot class) is written. Fill in the five TODOs, then
 * run `npm run check lesson-2`.
 *
 * @example
 * ```ts
 * const store = new SnapshotStore<number>();
 * store.set("a", 1);
 * const before = store.snapshot();
 * store.set("a", 2);
 * store.delete("a");
 * before.get("a");      // 1: the snapshot never changes
 * store.restore(before);
 * store.get("a");       // 1
 * ```
 */
import { todo } from "../../lib/todo.ts";

/** A read-only view of a store, frozen at the moment snapshot() took it. */
export interface Snapshot<V> {
  readonly id: number;
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  keys(): string[];
}

/** A tree node. Never changed once made: other versions may share it. */
interface TreeNode<V> {
  readonly key: string;
  readonly value: V;
  readonly priority: number;
  readonly left: Tree<V>;
  readonly right: Tree<V>;
  readonly count: number; // keys in this subtree, so size is O(1)
}

/** A tree is its root node; the empty tree is undefined. */
type Tree<V> = TreeNode<V> | undefined;

function countOf<V>(tree: Tree<V>): number {
  return tree ? tree.count : 0;
}

/**
 * The treap's heap priority of a key: a hash, so the same keys always give the same
 * tree shape, and the shape is as good as random (expected depth O(log n)).
 */
function priorityOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A new node. Frozen, so writing into a node that a snapshot shares throws a TypeError. */
function makeNode<V>(key: string, value: V, priority: number, left: Tree<V>, right: Tree<V>): TreeNode<V> {
  return Object.freeze({ key, value, priority, left, right, count: countOf(left) + countOf(right) + 1 });
}

/** A copy of `node` (same key, value and priority) with other children. */
function withChildren<V>(node: TreeNode<V>, left: Tree<V>, right: Tree<V>): TreeNode<V> {
  return makeNode(node.key, node.value, node.priority, left, right);
}

/**
 * Call it on the copy you just made of a node after inserting below it: if the child
 * you inserted into now has a higher priority, it is rotated up (copying, never
 * changing a node). Returns the new root of that subtree.
 */
function liftHeavierChild<V>(node: TreeNode<V>): TreeNode<V> {
  const { left, right } = node;
  if (left && left.priority > node.priority) {
    return withChildren(left, left.left, withChildren(node, left.right, right));
  }
  if (right && right.priority > node.priority) {
    return withChildren(right, withChildren(node, left, right.left), right.right);
  }
  return node;
}

/**
 * Joins two trees where every key of `left` sorts before every key of `right`, copying
 * only the nodes along the seam. Deleting a node leaves its two subtrees: join them.
 */
function join<V>(left: Tree<V>, right: Tree<V>): Tree<V> {
  if (!left) return right;
  if (!right) return left;
  return left.priority > right.priority
    ? withChildren(left, left.left, join(left.right, right))
    : withChildren(right, join(left, right.left), right.right);
}

/** The node holding `key` in `tree`, or undefined. Compare keys with ===, < and >. */
function findNode<V>(tree: Tree<V>, key: string): TreeNode<V> | undefined {
  // TODO(lesson-2:find): the node that holds `key`, or undefined, in a time proportional
  // to the tree's depth: the tree is ordered by key (smaller keys to the left). Reading
  // changes nothing. README: "Reading through shared nodes".
  throw todo("lesson-2:find");
}

/**
 * A new tree in which `key` holds `value`; `tree` itself must stay exactly as it was,
 * because snapshots may share it. `priority` is priorityOf(key).
 */
function insertCopying<V>(tree: Tree<V>, key: string, value: V, priority: number): TreeNode<V> {
  // TODO(lesson-2:path-copy-set): a tree in which `key` holds `value`, while `tree` and
  // every node it reaches stay exactly as they were (snapshots may share them; nodes are
  // frozen). Only the nodes between the root and the key may be new; every other node is
  // shared with `tree`, and the result keeps the treap's shape rules (liftHeavierChild
  // restores them after a change below a node). README: "Path copying on set".
  throw todo("lesson-2:path-copy-set");
}

/**
 * A new tree without `key`; `tree` itself stays as it was. When the key is absent,
 * return the very same `tree` object: nothing changed, so nothing is copied.
 */
function removeCopying<V>(tree: Tree<V>, key: string): Tree<V> {
  // TODO(lesson-2:path-copy-delete): a tree without `key`; `tree` and every node it reaches
  // stay as they were, and only the path to the key is new. A missing key copies nothing
  // and gives back `tree` itself (delete() tells false from true by that). join() merges the
  // two subtrees a removed node leaves. README: "Path copying on delete".
  throw todo("lesson-2:path-copy-delete");
}

/** In-order walk: keys sorted by code units, like Array.prototype.sort. */
function keysInOrder<V>(tree: Tree<V>): string[] {
  const keys: string[] = [];
  const pending: TreeNode<V>[] = [];
  let node = tree;
  while (node || pending.length > 0) {
    while (node) {
      pending.push(node);
      node = node.left;
    }
    const next = pending.pop()!;
    keys.push(next.key);
    node = next.right;
  }
  return keys;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") throw new TypeError(`a key must be a string, got ${typeof key}`);
}

// Ids come from one counter for every store, so no id ever names two different states.
let lastSnapshotId = 0;

/** A snapshot: the root of the tree as it was, and the store it belongs to. */
class FrozenSnapshot<V> implements Snapshot<V> {
  readonly #store: SnapshotStore<V>;
  readonly #root: Tree<V>;
  readonly id: number;
  readonly size: number;

  constructor(store: SnapshotStore<V>, root: Tree<V>) {
    this.#store = store;
    this.#root = root;
    this.id = ++lastSnapshotId;
    this.size = countOf(root);
    Object.freeze(this);
  }

  get(key: string): V | undefined {
    checkKey(key);
    return findNode(this.#root, key)?.value;
  }

  has(key: string): boolean {
    checkKey(key);
    return findNode(this.#root, key) !== undefined;
  }

  keys(): string[] {
    return keysInOrder(this.#root);
  }

  /**
   * The root `candidate` holds, if it is a snapshot taken of `store`. Throws a TypeError
   * for anything that is not a snapshot, a RangeError for another store's snapshot.
   */
  static rootFor<T>(candidate: unknown, store: SnapshotStore<T>): Tree<T> {
    if (typeof candidate !== "object" || candidate === null || !(#root in candidate)) {
      throw new TypeError("restore() takes a snapshot returned by snapshot(), not any other object");
    }
    const snapshot: FrozenSnapshot<unknown> = candidate;
    if (snapshot.#store !== store) {
      throw new RangeError(`snapshot ${snapshot.id} was taken of another store; a store can only restore its own snapshots`);
    }
    return snapshot.#root as Tree<T>;
  }
}

export class SnapshotStore<V> {
  // The live version: the root of the current tree.
  #root: Tree<V> = undefined;

  get size(): number {
    return countOf(this.#root);
  }

  get(key: string): V | undefined {
    checkKey(key);
    return findNode(this.#root, key)?.value;
  }

  has(key: string): boolean {
    checkKey(key);
    return findNode(this.#root, key) !== undefined;
  }

  set(key: string, value: V): void {
    checkKey(key);
    this.#root = insertCopying(this.#root, key, value, priorityOf(key));
  }

  delete(key: string): boolean {
    checkKey(key);
    const next = removeCopying(this.#root, key);
    if (next === this.#root) return false;
    this.#root = next;
    return true;
  }

  keys(): string[] {
    return keysInOrder(this.#root);
  }

  snapshot(): Snapshot<V> {
    // TODO(lesson-2:snapshot): a Snapshot that shows the store as it is now, forever,
    // whatever later writes, deletes and restores do, for O(1) time and memory whatever the
    // store's size. FrozenSnapshot is written for you. README: "Taking a snapshot".
    throw todo("lesson-2:snapshot");
  }

  restore(snapshot: Snapshot<V>): void {
    // TODO(lesson-2:restore): in O(1), the live state becomes the snapshot's, and the
    // snapshot itself stays as it was. Only this store's snapshots are accepted:
    // FrozenSnapshot.rootFor(snapshot, this) checks that and gives you what the snapshot
    // holds. README: "Restore is a root swap".
    throw todo("lesson-2:restore");
  }
}
