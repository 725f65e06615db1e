/**
 * Lesson 2 · copy-on-write with snapshots (reference solution).
 *
 * A SnapshotStore is a string-keyed map whose snapshots cost O(1): the store's state is
 * a persistent binary search tree whose nodes are never changed after they are made. A
 * write copies only the path from the root down to the changed key (path copying) and
 * makes the copied root the live root; every node off that path is shared with the old
 * version. A snapshot is therefore just a root, and restore() just makes a snapshot's
 * root the live root again.
 *
 * The tree is a treap: a search tree on the keys and a max-heap on a priority derived
 * from a hash of the key. The same keys always give the same shape, and the expected
 * depth is O(log n), so reads and writes stay O(log n) however many snapshots exist.
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

type Tree<V> = TreeNode<V> | undefined;

function countOf<V>(tree: Tree<V>): number {
  return tree ? tree.count : 0;
}

/**
 * FNV-1a over the UTF-16 code units, then murmur3's finaliser: spreads similar keys
 * ("k1", "k2", ...) over the whole range, so the heap order is as good as random.
 */
function priorityOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function makeNode<V>(key: string, value: V, priority: number, left: Tree<V>, right: Tree<V>): TreeNode<V> {
  // Not frozen: nothing here ever writes to a node (TypeScript's readonly checks that),
  // and Object.freeze on every copied node made writes about 40% slower.
  return { key, value, priority, left, right, count: countOf(left) + countOf(right) + 1 };
}

function withChildren<V>(node: TreeNode<V>, left: Tree<V>, right: Tree<V>): TreeNode<V> {
  return makeNode(node.key, node.value, node.priority, left, right);
}

/** A fresh copy of `node` in which a child whose priority is higher has been rotated up. */
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

/** Joins two trees where every key of `left` sorts before every key of `right`. */
function join<V>(left: Tree<V>, right: Tree<V>): Tree<V> {
  if (!left) return right;
  if (!right) return left;
  return left.priority > right.priority
    ? withChildren(left, left.left, join(left.right, right))
    : withChildren(right, join(left, right.left), right.right);
}

function findNode<V>(tree: Tree<V>, key: string): TreeNode<V> | undefined {
  let node = tree;
  while (node) {
    if (key === node.key) return node;
    node = key < node.key ? node.left : node.right;
  }
  return undefined;
}

/** A new tree with key set to value; `tree` is left as it was. Copies one path. */
function insertCopying<V>(tree: Tree<V>, key: string, value: V, priority: number): TreeNode<V> {
  if (!tree) return makeNode(key, value, priority, undefined, undefined);
  if (key === tree.key) return makeNode(key, value, tree.priority, tree.left, tree.right);
  if (key < tree.key) return liftHeavierChild(withChildren(tree, insertCopying(tree.left, key, value, priority), tree.right));
  return liftHeavierChild(withChildren(tree, tree.left, insertCopying(tree.right, key, value, priority)));
}

/** A new tree without key; the very same tree when key is absent (nothing copied). */
function removeCopying<V>(tree: Tree<V>, key: string): Tree<V> {
  if (!tree) return tree;
  if (key === tree.key) return join(tree.left, tree.right);
  if (key < tree.key) {
    const left = removeCopying(tree.left, key);
    return left === tree.left ? tree : withChildren(tree, left, tree.right);
  }
  const right = removeCopying(tree.right, key);
  return right === tree.right ? tree : withChildren(tree, tree.left, right);
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

  /** The root `candidate` holds, if it is a snapshot taken of `store`; throws otherwise. */
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
    return new FrozenSnapshot(this, this.#root);
  }

  restore(snapshot: Snapshot<V>): void {
    this.#root = FrozenSnapshot.rootFor(snapshot, this);
  }
}
