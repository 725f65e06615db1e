/**
 * Keeps the code under test away from the harness, before it runs (issue 14, part 3).
 *
 * Two checks over a graded file's TypeScript source, both with a real parser (oxc, through
 * rolldown's `parseAst`: the parser Vite itself transforms the file with, already loaded
 * in every vitest run, on Node and on Deno alike, and so no second opinion on the syntax):
 * - `importViolations`: an exercise file may import only the kit's `lib/` (not its grading
 *   core), files of its own lesson folder, and the npm packages its lesson lists in the
 *   registry (`"packages"`). Anything else (vitest, `node:`, other packages, absolute
 *   paths, URLs, solutions/, tests/, other lessons, a computed `import()`, `import.meta`)
 *   is a violation; the vitest plugin `importGuardPlugin` refuses to load such a file.
 * - `scanPowers`: uses of powers no lesson needs (`process`, `Deno`, `globalThis`, `eval`,
 *   the Function constructor, anything named like vitest, writes to built-ins, ...). Each
 *   finding makes the result unofficial; the runner calls `scanLesson` and reports them.
 * Only free references count: a local variable that happens to be called `self` or
 * `process` is honest code. What no static scan sees is a name computed at run time
 * (`o[f()]`); the scan catches the plain forms, and the sandbox and the verdict channel
 * are what hold against the rest. A file the parser cannot read yields nothing here: its syntax
 * error is reported by the grader as usual (and the plugin refuses a file that the parser
 * rejects but the transformer accepts).
 *
 * @example
 * ```ts
 * import { importViolations, scanPowers, scanLesson } from "./guard.ts";
 * importViolations(source, "exercises/lesson-1/cow-list.ts", [], "exercises/lesson-1", "lib");
 * // [{ line: 3, specifier: "vitest", message: 'exercises/lesson-1/cow-list.ts:3: import "vitest" is not allowed: ...' }]
 * scanPowers("process.exit(0)", "exercises/lesson-1/cow-list.ts");
 * // [{ line: 1, power: "process", message: "exercises/lesson-1/cow-list.ts:1: uses process: no lesson needs it" }]
 * const { findings, violations } = scanLesson(lesson, "/abs/exercises");
 * ```
 */
import { parseAst } from "rolldown/parseAst";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import type { Finding } from "../../lib/grading/results.ts";
import type { Lesson } from "../../lib/registry.ts";
import { lessons } from "../../lib/registry.ts";
import { KIT, displayPath } from "./kit.ts";

export type { Finding };

export interface Violation {
  file: string;
  line: number;
  column: number;
  specifier: string;
  message: string;
}

/** The parts of an ESTree (TS-ESTree) node this module reads; everything else is walked generically. */
interface Node {
  type: string;
  start?: number; // UTF-16 offset into the source
  [key: string]: unknown;
}

/** The program, or why the parser cannot read the source. */
function parseOrWhy(source: string): { program: Node } | { why: string } {
  try {
    return { program: withLines(parseAst(source, { lang: "ts", sourceType: "module" }) as unknown as Node, source) };
  } catch (error) {
    return { why: (error instanceof Error ? error.message : String(error)).split("\n")[0] };
  }
}

/** undefined when the parser cannot read the source (a syntax error, reported elsewhere). */
function parseSource(source: string): Node | undefined {
  const parsed = parseOrWhy(source);
  return "program" in parsed ? parsed.program : undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).type === "string";
}

/** Where each line of the parsed source starts (ESTree nodes carry offsets only); a symbol, so walks skip it. */
const LINE_STARTS = Symbol("line starts");

function withLines(program: Node, source: string): Node {
  const starts = [0];
  for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  (program as unknown as Record<symbol, number[]>)[LINE_STARTS] = starts;
  return program;
}

/** A node's line and column (both from 1), found from its offset in the program's source. */
function lineOf(program: Node, node: Node): { line: number; column: number } {
  const starts = (program as unknown as Record<symbol, number[]>)[LINE_STARTS] ?? [0];
  const offset = node.start ?? 0;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/** Keys that hold positions, comments or TypeScript types: nothing that runs. */
const NOT_CODE = new Set([
  "start", "end", "range", "typeAnnotation", "returnType", "typeParameters", "typeArguments",
  "superTypeArguments", "implements",
]);

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (NOT_CODE.has(key)) continue;
    if (Array.isArray(value)) for (const v of value) { if (isNode(v)) out.push(v); }
    else if (isNode(value)) out.push(value);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Imports

/** Every place a source names another module, with the literal it names (undefined: computed). */
interface ModuleReference {
  node: Node;
  specifier: string | undefined;
  /** What the source wrote, for the message when the specifier is computed. */
  form: string;
}

function staticString(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && (node.expressions as Node[]).length === 0) {
    return ((node.quasis as Node[])[0].value as { cooked: string }).cooked;
  }
  return undefined;
}

function moduleReferences(program: Node): ModuleReference[] {
  const found: ModuleReference[] = [];
  const visit = (node: Node): void => {
    switch (node.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration":
        if (isNode(node.source)) found.push({ node, specifier: staticString(node.source), form: "import" });
        break;
      case "ImportExpression": {
        const specifier = staticString(node.source);
        found.push({ node, specifier, form: specifier === undefined ? "import() of a computed specifier" : "import()" });
        if (node.options) found.push({ node, specifier: undefined, form: "import() with options" });
        break;
      }
      case "CallExpression": {
        const callee = node.callee as Node;
        const args = node.arguments as Node[];
        if (callee.type === "Identifier" && callee.name === "require") {
          const specifier = staticString(args[0]);
          found.push({ node, specifier, form: specifier === undefined ? "require() of a computed specifier" : "require()" });
        }
        break;
      }
      case "TSImportEqualsDeclaration": {
        const ref = node.moduleReference as Node;
        if (ref.type === "TSExternalModuleReference") found.push({ node, specifier: staticString(ref.expression), form: "import … = require()" });
        break;
      }
      case "TSImportType": {
        const argument = (node.source ?? node.argument) as Node | undefined;
        found.push({ node, specifier: staticString(argument) ?? staticString(argument?.literal), form: "import() type" });
        break;
      }
      case "MetaProperty":
        if ((node.meta as Node).name === "import") found.push({ node, specifier: undefined, form: "import.meta" });
        break;
    }
    for (const child of childrenWithTypes(node)) visit(child);
  };
  visit(program);
  return found;
}

/** Type positions too: `import("../../solutions/x.ts").T` names a module even in a type. */
function childrenWithTypes(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) for (const v of value) { if (isNode(v)) out.push(v); }
    else if (isNode(value)) out.push(value);
  }
  return out;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const MODULE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;

/** Whether a graded file may import `specifier`: lib/ but not its grading core, its own lesson folder, a listed package. */
function isAllowed(specifier: string, file: string, allowedPackages: readonly string[], lessonDir: string, libDir: string): boolean {
  // Queries (`?raw`), hashes and backslashes only serve to get round the rule.
  if (/[?#\\\0]/.test(specifier)) return false;
  if (URL_SCHEME.test(specifier) || path.isAbsolute(specifier) || specifier.startsWith("/")) return false;
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    const target = path.resolve(path.dirname(file), specifier);
    // Code and data only: a native addon (`.node`) or anything else would run outside the checks.
    if (path.extname(target) !== "" && !MODULE_FILE.test(target)) return false;
    const inLib = isInside(target, libDir) && !isInside(target, path.join(libDir, "grading"));
    return inLib || isInside(target, lessonDir);
  }
  const name = packageName(specifier);
  return name !== undefined && allowedPackages.includes(name) && !specifier.split("/").includes("..");
}

function packageName(specifier: string): string | undefined {
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return PACKAGE_NAME.test(name) ? name : undefined;
}

function isInside(target: string, dir: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/**
 * The imports of one graded file that it may not make. `file`, `lessonDir` and `libDir`
 * are absolute or relative to the kit; `libDir` is the `lib/` beside the graded folder
 * (the kit's own lib/ for exercises/, which the vitest config maps any other one to).
 */
export function importViolations(
  source: string, file: string, allowedPackages: readonly string[], lessonDir: string, libDir: string,
): Violation[] {
  const program = parseSource(source);
  return program ? violationsIn(program, file, allowedPackages, lessonDir, libDir) : [];
}

function violationsIn(
  program: Node, file: string, allowedPackages: readonly string[], lessonDir: string, libDir: string,
): Violation[] {
  const absolute = path.resolve(KIT, file);
  const lessonAbs = path.resolve(KIT, lessonDir);
  const libAbs = path.resolve(KIT, libDir);
  const shown = displayPath(absolute);
  const rule = `an exercise may import only lib/, files of ${path.basename(lessonAbs)}'s folder and the packages its skeleton imports (${allowedPackages.length ? allowedPackages.join(", ") : "none"})`;
  const violations: Violation[] = [];
  for (const ref of moduleReferences(program)) {
    const { line, column } = lineOf(program, ref.node);
    if (ref.specifier === undefined) {
      violations.push({ file: shown, line, column, specifier: ref.form, message: `${shown}:${line}: ${ref.form} is not allowed: ${rule}` });
      continue;
    }
    if (!isAllowed(ref.specifier, absolute, allowedPackages, lessonAbs, libAbs)) {
      violations.push({ file: shown, line, column, specifier: ref.specifier, message: `${shown}:${line}: import "${ref.specifier}" is not allowed: ${rule}` });
    }
  }
  return violations;
}

/** The files inside `lessonDir` that a parsed source imports. */
function lessonImports(program: Node, file: string, lessonDir: string): string[] {
  return moduleReferences(program)
    .map((ref) => ref.specifier)
    .filter((s): s is string => s !== undefined && (s.startsWith("./") || s.startsWith("../")) && !/[?#]/.test(s))
    .map((s) => path.resolve(path.dirname(file), s))
    .filter((target) => isInside(target, lessonDir));
}

// ---------------------------------------------------------------------------
// Powers

/** Globals that reach the process, the runtime, the harness or other threads. */
const POWER_GLOBALS: Record<string, string> = {
  process: "process", Deno: "Deno", Bun: "Bun", globalThis: "globalThis", global: "global", self: "self",
  window: "window", eval: "eval", require: "require", module: "module", exports: "exports",
  BroadcastChannel: "BroadcastChannel", MessageChannel: "MessageChannel", MessagePort: "MessagePort",
  Worker: "Worker", SharedWorker: "SharedWorker", SharedArrayBuffer: "SharedArrayBuffer", Atomics: "Atomics",
  fetch: "fetch", WebSocket: "WebSocket", XMLHttpRequest: "XMLHttpRequest", EventSource: "EventSource",
  postMessage: "postMessage", onmessage: "onmessage", addEventListener: "addEventListener",
  removeEventListener: "removeEventListener", dispatchEvent: "dispatchEvent", importScripts: "importScripts",
  localStorage: "localStorage", sessionStorage: "sessionStorage", indexedDB: "indexedDB", caches: "caches",
};

/** Built-ins whose properties the tests and the harness rely on: no lesson writes to them. */
const BUILTINS = new Set([
  "Object", "Array", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Math", "JSON",
  "Promise", "Symbol", "String", "Number", "Boolean", "BigInt", "Date", "RegExp", "Function", "Reflect", "Proxy",
  "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError",
  "ArrayBuffer", "DataView", "Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array", "Int8Array",
  "Int16Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Iterator",
  "Intl", "TextEncoder", "TextDecoder", "URL", "URLSearchParams", "console", "crypto", "performance",
  "structuredClone", "queueMicrotask", "setTimeout", "setInterval", "clearTimeout", "clearInterval",
  "AbortController", "AbortSignal", "Event", "EventTarget", "Blob", "ReadableStream", "WritableStream",
  "isNaN", "isFinite", "parseInt", "parseFloat", "encodeURIComponent", "decodeURIComponent", "WebAssembly",
]);

/** Built-in functions whose own properties nothing relies on: storing them (`io = setTimeout`) is honest. */
const PLAIN_FUNCTIONS = new Set([
  "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask", "structuredClone", "isNaN",
  "isFinite", "parseInt", "parseFloat", "encodeURIComponent", "decodeURIComponent",
]);

/** Well-known symbols that change how `instanceof` and the matchers see objects. */
const META_SYMBOLS = new Set(["hasInstance", "species"]);

/** Object/Reflect methods that change their first argument. */
const MUTATORS = new Set([
  "defineProperty", "defineProperties", "setPrototypeOf", "assign", "freeze", "seal", "preventExtensions",
  "set", "deleteProperty",
]);

/** Property names that lead to the Function constructor, prototypes or the harness. */
function propertyPower(name: string): { power: string; what: string } | undefined {
  if (name === "constructor") return { power: ".constructor", what: "uses .constructor (a way to the Function constructor)" };
  if (name === "__proto__") return { power: "__proto__", what: "uses __proto__ (a way to built-in prototypes)" };
  if (/^__(define|lookup)[GS]etter__$/.test(name)) return { power: name, what: `uses ${name}` };
  if (/vitest/i.test(name)) return { power: name, what: `uses ${name} (the test harness)` };
  // The matchers treat any value with an asymmetricMatch method as a matcher and ask it
  // whether it equals the expected value: a returned value could answer yes to toEqual.
  if (name === "asymmetricMatch" || name === "toAsymmetricMatcher") return { power: name, what: `uses ${name} (a hook of the test matchers)` };
  return undefined;
}

/** A binding scope: names declared in it, and the initialisers of its constants (to fold computed keys). */
class Scope {
  readonly names = new Set<string>();
  readonly constants = new Map<string, Node>();
  constructor(readonly parent?: Scope) {}

  binds(name: string): boolean {
    return this.names.has(name) || (this.parent?.binds(name) ?? false);
  }

  constant(name: string): Node | undefined {
    if (this.names.has(name)) return this.constants.get(name);
    return this.parent?.constant(name);
  }
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** Binding names of a declaration pattern (`{ a, b: [c] }` → a, c). */
function patternNames(pattern: unknown, out: string[] = []): string[] {
  if (!isNode(pattern)) return out;
  switch (pattern.type) {
    case "Identifier": out.push(pattern.name as string); break;
    case "ObjectPattern": for (const p of pattern.properties as Node[]) patternNames(p.type === "RestElement" ? p.argument : p.value, out); break;
    case "ArrayPattern": for (const e of pattern.elements as unknown[]) patternNames(e, out); break;
    case "AssignmentPattern": patternNames(pattern.left, out); break;
    case "RestElement": patternNames(pattern.argument, out); break;
    case "TSParameterProperty": patternNames(pattern.parameter, out); break;
  }
  return out;
}

/** `declare const process: any` binds nothing at run time: the name stays the global. */
function isAmbient(node: Node): boolean {
  return node.declare === true;
}

/** Declarations a block-like statement list makes in its own scope (let, const, class, function, import, enum, and var at this level). */
function declareStatements(statements: readonly Node[], scope: Scope): void {
  for (const raw of statements) {
    const statement = (raw.type === "ExportNamedDeclaration" || raw.type === "ExportDefaultDeclaration") && isNode(raw.declaration)
      ? raw.declaration
      : raw;
    if (isAmbient(statement)) continue;
    switch (statement.type) {
      case "VariableDeclaration":
        for (const d of statement.declarations as Node[]) {
          for (const name of patternNames(d.id)) scope.names.add(name);
          if (statement.kind === "const" && (d.id as Node).type === "Identifier" && isNode(d.init)) scope.constants.set((d.id as Node).name as string, d.init);
        }
        break;
      case "FunctionDeclaration":
      case "ClassDeclaration":
      case "TSEnumDeclaration":
      case "TSImportEqualsDeclaration":
        if (isNode(statement.id)) scope.names.add(statement.id.name as string);
        break;
      case "TSModuleDeclaration":
        if (isNode(statement.id) && statement.id.type === "Identifier") scope.names.add(statement.id.name as string);
        break;
      case "ImportDeclaration":
        for (const s of statement.specifiers as Node[]) scope.names.add((s.local as Node).name as string);
        break;
    }
  }
}

/** `var` declarations anywhere in a function body outside nested functions: they belong to the function's scope. */
function declareVars(node: Node, scope: Scope): void {
  for (const child of children(node)) {
    if (FUNCTIONS.has(child.type) || child.type === "ClassDeclaration" || child.type === "ClassExpression") continue;
    if (child.type === "VariableDeclaration" && child.kind === "var" && !isAmbient(child)) {
      for (const d of child.declarations as Node[]) for (const name of patternNames(d.id)) scope.names.add(name);
    }
    declareVars(child, scope);
  }
}

class PowerScan {
  readonly findings: Finding[] = [];
  constructor(readonly shown: string, readonly root: Node) {}

  flag(node: Node, power: string, what: string): void {
    const { line, column } = lineOf(this.root, node);
    this.findings.push({ file: this.shown, line, column, power, message: `${this.shown}:${line}: ${what}: no lesson needs it` });
  }

  /** The free built-in at the root of `Array.prototype.x` (unwrapping TS casts), if any. */
  builtinRoot(node: unknown, scope: Scope): string | undefined {
    let current = unwrap(node);
    while (current?.type === "MemberExpression") current = unwrap(current.object);
    if (current?.type === "Identifier" && BUILTINS.has(current.name as string) && !scope.binds(current.name as string)) {
      return current.name as string;
    }
    return undefined;
  }

  /** A constant string an expression always has (`"constr" + "uctor"`, a const holding one). */
  fold(node: unknown, scope: Scope, depth = 0): string | undefined {
    const n = unwrap(node);
    if (!n || depth > 20) return undefined;
    switch (n.type) {
      case "Literal": return typeof n.value === "string" || typeof n.value === "number" ? String(n.value) : undefined;
      case "TemplateLiteral": {
        const quasis = n.quasis as Node[];
        let text = (quasis[0].value as { cooked: string }).cooked;
        for (const [i, e] of (n.expressions as Node[]).entries()) {
          const part = this.fold(e, scope, depth + 1);
          if (part === undefined) return undefined;
          text += part + (quasis[i + 1].value as { cooked: string }).cooked;
        }
        return text;
      }
      case "BinaryExpression": {
        if (n.operator !== "+") return undefined;
        const left = this.fold(n.left, scope, depth + 1);
        const right = left === undefined ? undefined : this.fold(n.right, scope, depth + 1);
        return right === undefined ? undefined : left! + right;
      }
      case "Identifier": {
        const init = scope.constant(n.name as string);
        return init ? this.fold(init, scope, depth + 1) : undefined;
      }
    }
    return undefined;
  }

  isStringy(node: unknown, scope: Scope): boolean {
    const n = unwrap(node);
    if (!n) return false;
    if ((n.type === "Literal" && typeof n.value === "string") || n.type === "TemplateLiteral") return true;
    if (n.type === "BinaryExpression" && n.operator === "+") return this.isStringy(n.left, scope) || this.isStringy(n.right, scope);
    return n.type === "Identifier" && this.isStringy(scope.constant(n.name as string), scope);
  }

  // --- the walk -------------------------------------------------------------

  scanProgram(program: Node): void {
    const scope = new Scope();
    declareStatements(program.body as Node[], scope);
    declareVars(program, scope);
    for (const statement of program.body as Node[]) this.visit(statement, scope, undefined);
  }

  visit(node: Node, scope: Scope, parent: Node | undefined): void {
    const t = node.type;
    if (t.startsWith("TS")) return this.typeScript(node, scope, parent);
    if (FUNCTIONS.has(t)) return this.func(node, scope);
    switch (t) {
      case "Identifier":
        return this.reference(node, scope, parent);
      case "MetaProperty":
        if ((node.meta as Node).name === "import") this.flag(node, "import.meta", "uses import.meta");
        return;
      case "MemberExpression":
        return this.member(node, scope, parent);
      case "ChainExpression":
      case "ParenthesizedExpression":
        return this.visit(node.expression as Node, scope, parent);
      case "BlockStatement":
      case "StaticBlock": {
        const inner = new Scope(scope);
        declareStatements(node.body as Node[], inner);
        for (const s of node.body as Node[]) this.visit(s, inner, node);
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
        return this.loop(node, scope);
      case "SwitchStatement": {
        this.visit(node.discriminant as Node, scope, node);
        const inner = new Scope(scope);
        const cases = node.cases as Node[];
        declareStatements(cases.flatMap((c) => c.consequent as Node[]), inner);
        for (const c of cases) for (const child of children(c)) this.visit(child, inner, c);
        return;
      }
      case "CatchClause": {
        const inner = new Scope(scope);
        for (const name of patternNames(node.param)) inner.names.add(name);
        if (isNode(node.param)) this.pattern(node.param, inner, "declare");
        this.visit(node.body as Node, inner, node);
        return;
      }
      case "ClassDeclaration":
      case "ClassExpression":
        return this.klass(node, scope);
      case "VariableDeclaration":
        if (isAmbient(node)) return;
        for (const d of node.declarations as Node[]) {
          this.pattern(d.id as Node, scope, "declare");
          if (isNode(d.init)) {
            this.visit(d.init, scope, d);
          }
        }
        return;
      case "AssignmentExpression":
        this.pattern(node.left as Node, scope, "assign");
        this.visit(node.right as Node, scope, node);
        return;
      case "UpdateExpression":
        this.pattern(node.argument as Node, scope, "assign");
        return;
      case "UnaryExpression":
        if (node.operator === "delete") {
          const root = this.builtinRoot(node.argument, scope);
          if (root) this.flag(node, `delete ${root}`, `deletes a property of the built-in ${root}`);
        }
        return this.visit(node.argument as Node, scope, node);
      case "CallExpression":
      case "NewExpression":
        this.call(node, scope, parent);
        break;
      case "BinaryExpression":
        if (node.operator === "instanceof" && isFunctionGlobal(node.right, scope)) return this.visit(node.left as Node, scope, node);
        break;
      case "Property":
      case "MethodDefinition":
      case "PropertyDefinition":
      case "AccessorProperty":
        return this.property(node, scope);
      case "ObjectExpression":
      case "SequenceExpression":
        break;
      case "LabeledStatement":
        return this.visit(node.body as Node, scope, node);
      case "BreakStatement":
      case "ContinueStatement":
        return;
      case "ImportDeclaration":
      case "ExportAllDeclaration":
        return;
      case "ExportNamedDeclaration":
        if (isNode(node.declaration)) return this.visit(node.declaration, scope, node);
        if (!node.source && node.exportKind !== "type") {
          for (const s of node.specifiers as Node[]) {
            if (s.exportKind !== "type" && (s.local as Node).type === "Identifier") this.reference(s.local as Node, scope, node);
          }
        }
        return;
      case "ExportDefaultDeclaration":
        return this.visit(node.declaration as Node, scope, node);
      case "PrivateIdentifier":
        return;
    }
    for (const child of children(node)) this.visit(child, scope, node);
  }

  /** A loop's head declares in a scope of its own; a head without a declaration assigns. */
  loop(node: Node, scope: Scope): void {
    const inner = new Scope(scope);
    const head = (node.type === "ForStatement" ? node.init : node.left) as Node | null;
    if (head?.type === "VariableDeclaration") {
      declareStatements([head], inner);
      this.visit(head, inner, node);
    } else if (head && node.type !== "ForStatement") this.pattern(head, inner, "assign");
    else if (head) this.visit(head, inner, node);
    for (const key of ["test", "update", "right", "body"]) {
      if (isNode(node[key])) this.visit(node[key] as Node, inner, node);
    }
  }

  /** Casts pass their parent on: `(Object as any).keys` uses Object in place, as `Object.keys` does. */
  typeScript(node: Node, scope: Scope, parent: Node | undefined): void {
    switch (node.type) {
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
      case "TSInstantiationExpression":
        return this.visit(node.expression as Node, scope, parent);
      case "TSExportAssignment":
        return this.visit(node.expression as Node, scope, node);
      case "TSParameterProperty":
        return this.pattern(node.parameter as Node, scope, "declare");
      case "TSEnumDeclaration":
        if (isAmbient(node)) return;
        for (const member of (node.members ?? (node.body as Node)?.members ?? []) as Node[]) {
          if (isNode(member.initializer)) this.visit(member.initializer, scope, member);
        }
        return;
      case "TSModuleDeclaration": {
        if (isAmbient(node) || !isNode(node.body)) return;
        const body = node.body;
        if (body.type === "TSModuleBlock") {
          const inner = new Scope(scope);
          declareStatements(body.body as Node[], inner);
          for (const s of body.body as Node[]) this.visit(s, inner, body);
        } else this.typeScript(body, scope, node);
        return;
      }
      case "TSImportEqualsDeclaration": {
        const ref = node.moduleReference as Node;
        if (!node.isExport && node.importKind === "type") return;
        if (ref.type === "Identifier") this.reference(ref, scope, node);
        else if (ref.type === "TSQualifiedName") {
          let left = ref;
          while (left.type === "TSQualifiedName") left = left.left as Node;
          this.reference(left, scope, node);
        }
        return;
      }
    }
    // Everything else is a type or an ambient declaration: gone at run time.
  }

  func(node: Node, scope: Scope): void {
    const inner = new Scope(scope);
    if (node.type === "FunctionExpression" && isNode(node.id)) inner.names.add(node.id.name as string);
    for (const p of node.params as Node[]) for (const name of patternNames(p)) inner.names.add(name);
    const body = node.body as Node;
    if (body.type === "BlockStatement") {
      declareStatements(body.body as Node[], inner);
      declareVars(body, inner);
    }
    for (const p of node.params as Node[]) this.pattern(p, inner, "declare");
    if (body.type === "BlockStatement") for (const s of body.body as Node[]) this.visit(s, inner, body);
    else this.visit(body, inner, node);
  }

  klass(node: Node, scope: Scope): void {
    for (const d of (node.decorators ?? []) as Node[]) this.visit(d, scope, node);
    if (isAmbient(node)) return;
    if (isNode(node.superClass)) this.visit(node.superClass, scope, node);
    const inner = new Scope(scope);
    if (isNode(node.id)) inner.names.add(node.id.name as string);
    for (const member of (node.body as Node).body as Node[]) this.visit(member, inner, node);
  }

  property(node: Node, scope: Scope): void {
    if (node.computed && isNode(node.key)) {
      this.visit(node.key, scope, node);
      const key = this.fold(node.key, scope);
      if (key !== undefined) this.keyName(node.key, key, node.type === "Property");
    } else if (isNode(node.key)) this.key(node.key, node.type === "Property");
    for (const d of (node.decorators ?? []) as Node[]) this.visit(d, scope, node);
    if (isNode(node.value)) {
      const inner = node.type === "Property" ? scope : new Scope(scope);
      this.visit(node.value, inner, node);
    }
  }

  /** A non-computed key: `{ __vitest_x: 1 }` names the harness; `{ constructor() {} }` is a class's own constructor. */
  key(key: Node, inObjectLiteral = false): void {
    const name = key.type === "Identifier" ? (key.name as string) : staticString(key);
    if (name !== undefined) this.keyName(key, name, inObjectLiteral);
  }

  keyName(at: Node, name: string, inObjectLiteral: boolean): void {
    if (name === "constructor" || (name === "__proto__" && inObjectLiteral)) return;
    const power = propertyPower(name);
    if (power) this.flag(at, power.power, power.what);
  }

  reference(node: Node, scope: Scope, parent: Node | undefined): void {
    const name = node.name as string;
    if (/vitest/i.test(name)) return this.flag(node, name, `uses ${name} (the test harness)`);
    if (scope.binds(name)) return;
    if (name === "Function") {
      if (parent?.type === "BinaryExpression" && parent.operator === "instanceof" && parent.right === node) return;
      return this.flag(node, "Function", "uses the Function constructor");
    }
    const power = POWER_GLOBALS[name];
    if (power) this.flag(node, power, `uses ${power}`);
    if (BUILTINS.has(name) && !PLAIN_FUNCTIONS.has(name) && !usedInPlace(node, parent)) {
      this.flag(node, `${name} as a value`, `keeps the built-in ${name} as a value (so that writes to it go unseen)`);
    }
  }

  member(node: Node, scope: Scope, parent: Node | undefined): void {
    this.visit(node.object as Node, scope, node);
    let name: string | undefined;
    if (node.computed) {
      this.visit(node.property as Node, scope, node);
      name = this.fold(node.property, scope);
    } else if ((node.property as Node).type === "Identifier") name = (node.property as Node).name as string;
    if (name !== undefined && !(name === "constructor" && onlyLooked(node, parent))) {
      const power = propertyPower(name);
      if (power) this.flag(node.property as Node, power.power, power.what);
    }
    const object = unwrap(node.object);
    if (name !== undefined && META_SYMBOLS.has(name) && object?.type === "Identifier" && object.name === "Symbol" && !scope.binds("Symbol")) {
      this.flag(node, `Symbol.${name}`, `uses Symbol.${name} (it changes what instanceof and the test matchers see)`);
    }
    // `const p = Array.prototype` lets later writes go unseen: the prototype itself may not escape.
    const root = name === "prototype" ? this.builtinRoot(node.object, scope) : undefined;
    const inPlace = (parent?.type === "MemberExpression" && unwrap(parent.object) === node) || isComparison(parent);
    if (root && unwrap(node.object)?.type === "Identifier" && !inPlace) {
      this.flag(node, `${root}.prototype`, `hands out ${root}.prototype`);
    }
  }

  /** Assignment and declaration targets: a binding, or (when assigning) a property or a global. */
  pattern(node: Node, scope: Scope, mode: "declare" | "assign"): void {
    const n = unwrap(node) ?? node;
    switch (n.type) {
      case "Identifier":
        if (mode === "assign" && /vitest/i.test(n.name as string)) this.flag(n, n.name as string, `uses ${n.name} (the test harness)`);
        else if (mode === "assign" && !scope.binds(n.name as string) && (BUILTINS.has(n.name as string) || POWER_GLOBALS[n.name as string] || n.name === "Function")) {
          this.flag(n, `${n.name} =`, `replaces the built-in ${n.name}`);
        }
        return;
      case "MemberExpression": {
        const root = this.builtinRoot(n, scope);
        if (root) this.flag(n, `${root} write`, `changes ${describeMember(n)}, a built-in`);
        return this.visit(n, scope, undefined);
      }
      case "ObjectPattern":
        for (const p of n.properties as Node[]) {
          if (p.type === "RestElement") this.pattern(p.argument as Node, scope, mode);
          else {
            if (p.computed) this.visit(p.key as Node, scope, p);
            this.pattern(p.value as Node, scope, mode);
          }
        }
        return;
      case "ArrayPattern":
        for (const e of n.elements as unknown[]) if (isNode(e)) this.pattern(e, scope, mode);
        return;
      case "AssignmentPattern":
        this.pattern(n.left as Node, scope, mode);
        return this.visit(n.right as Node, scope, n);
      case "RestElement":
        return this.pattern(n.argument as Node, scope, mode);
      case "TSParameterProperty":
        return this.pattern(n.parameter as Node, scope, mode);
      default:
        return this.visit(n, scope, undefined);
    }
  }

  call(node: Node, scope: Scope, parent: Node | undefined): void {
    const callee = unwrap(node.callee);
    const args = node.arguments as Node[];
    if (!callee) return;
    if (callee.type === "Identifier" && !scope.binds(callee.name as string)) {
      const name = callee.name as string;
      if ((name === "setTimeout" || name === "setInterval") && args.length > 0 && this.isStringy(args[0], scope)) {
        this.flag(node, `${name}(string)`, `calls ${name} with a string of code`);
      }
      if (name === "Proxy" && node.type === "NewExpression" && args.length > 0) {
        const root = this.builtinRoot(args[0], scope);
        if (root) this.flag(node, "Proxy", `wraps the built-in ${root} in a Proxy`);
      }
      return;
    }
    if (callee.type !== "MemberExpression") return;
    const object = unwrap(callee.object);
    if (object?.type !== "Identifier" || scope.binds(object.name as string)) return;
    const method = callee.computed ? this.fold(callee.property, scope) : ((callee.property as Node).name as string | undefined);
    if (method === undefined) return;
    if ((object.name === "Object" || object.name === "Reflect") && MUTATORS.has(method) && args.length > 0) {
      const root = this.builtinRoot(args[0], scope);
      if (root) this.flag(node, `${object.name}.${method}`, `changes the built-in ${describeMember(args[0])} with ${object.name}.${method}`);
    }
    if ((object.name === "Object" || object.name === "Reflect") && method === "getPrototypeOf" && !isComparison(parent)) {
      this.flag(node, `${object.name}.getPrototypeOf`, `uses ${object.name}.getPrototypeOf (a way to built-in prototypes)`);
    }
    if (object.name === "Symbol" && method === "for") this.flag(node, "Symbol.for", "uses Symbol.for (symbols the harness shares)");
  }
}

/** Conversions honest code passes to a callback method (`xs.map(Number)`, `filter(Boolean)`), and only there. */
const CONVERTERS = new Set(["String", "Number", "Boolean", "BigInt"]);
const CALLBACK_METHODS = new Set([
  "map", "flatMap", "filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "forEach", "from", "then",
]);

/** Destructured names that would hand out what writes to a built-in go through. */
const HANDED_OUT = new Set(["prototype", "constructor", "__proto__"]);

/**
 * A built-in with properties worth changing may be used only where it is: read from
 * (`Object.keys`), called (`new Map()`), extended, compared or typeof'd. Anywhere else
 * (a variable, an argument, a return value, an array, a default, a branch of `?:`) it
 * escapes, and `o.is = …` on the copy would go unseen. Destructuring functions out of it
 * (`const { floor } = Math`) hands out no way back, unless a name is its prototype.
 */
function usedInPlace(node: Node, parent: Node | undefined): boolean {
  if (!parent) return false;
  const is = (value: unknown) => unwrap(value) === node;
  const name = node.name as string;
  switch (parent.type) {
    case "MemberExpression":
      return is(parent.object);
    case "CallExpression":
    case "NewExpression":
      return is(parent.callee) || (CONVERTERS.has(name) && isCallbackCall(parent) && (parent.arguments as unknown[]).some(is));
    case "ClassDeclaration":
    case "ClassExpression":
      return is(parent.superClass);
    case "UnaryExpression":
      return parent.operator === "typeof" || parent.operator === "void";
    case "ExpressionStatement":
    case "TemplateLiteral":
      return true;
    case "VariableDeclarator":
      return is(parent.init) && destructuresSafely(parent.id as Node);
    case "AssignmentExpression":
      return is(parent.right) && destructuresSafely(parent.left as Node);
  }
  return isComparison(parent);
}

function isCallbackCall(call: Node): boolean {
  const callee = unwrap(call.callee);
  if (callee?.type !== "MemberExpression" || callee.computed) return false;
  return CALLBACK_METHODS.has((callee.property as Node).name as string);
}

function destructuresSafely(target: Node): boolean {
  const pattern = unwrap(target);
  if (pattern?.type !== "ObjectPattern") return false;
  return (pattern.properties as Node[]).every((p) => {
    if (p.type !== "Property" || p.computed) return false;
    const key = p.key as Node;
    const name = key.type === "Identifier" ? (key.name as string) : staticString(key);
    return name !== undefined && !HANDED_OUT.has(name);
  });
}

/**
 * `x.constructor.name` and `x.constructor === Y` only look at the constructor: nothing can
 * be called or changed through them, whatever `x` is.
 */
function onlyLooked(node: Node, parent: Node | undefined): boolean {
  if (isComparison(parent)) return true;
  const property = parent?.property as Node | undefined;
  return parent?.type === "MemberExpression" && unwrap(parent.object) === node && !parent.computed && property?.name === "name";
}

/** `Object.getPrototypeOf(v) === Object.prototype` only looks: a comparison hands nothing out. */
function isComparison(node: Node | undefined): boolean {
  return node?.type === "BinaryExpression" && ["===", "!==", "==", "!=", "instanceof", "in"].includes(node.operator as string);
}

function isFunctionGlobal(node: unknown, scope: Scope): boolean {
  const n = unwrap(node);
  return n?.type === "Identifier" && n.name === "Function" && !scope.binds("Function");
}

const WRAPPERS = new Set([
  "TSAsExpression", "TSNonNullExpression", "TSTypeAssertion", "TSSatisfiesExpression", "TSInstantiationExpression",
  "ParenthesizedExpression", "ChainExpression",
]);

/** Strips wrappers that change nothing at run time: `(x as any)`, `x!`, `<T>x`, `x satisfies T`, `(x)`, `a?.b`. */
function unwrap(node: unknown): Node | undefined {
  let n = isNode(node) ? node : undefined;
  while (n && WRAPPERS.has(n.type)) {
    n = n.expression as Node;
  }
  return n;
}

function describeMember(node: unknown): string {
  const n = unwrap(node);
  if (!n) return "?";
  if (n.type === "Identifier") return n.name as string;
  if (n.type === "MemberExpression") {
    const property = n.property as Node;
    const name = !n.computed && property.type === "Identifier" ? `.${property.name}` : staticString(property) !== undefined ? `[${JSON.stringify(staticString(property))}]` : "[…]";
    return describeMember(n.object) + name;
  }
  return "…";
}

/** Uses of powers no lesson needs, in source order. `file` (absolute or relative to the kit) names the file in messages. */
export function scanPowers(source: string, file: string): Finding[] {
  const program = parseSource(source);
  return program ? powersIn(program, file) : [];
}

function powersIn(program: Node, file: string): Finding[] {
  const scan = new PowerScan(displayPath(path.resolve(KIT, file)), program);
  scan.scanProgram(program);
  return scan.findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

// ---------------------------------------------------------------------------
// A lesson, and the vitest plugin

/**
 * Scans a lesson's registry files in `implDir` (a folder laid out like exercises/) and the
 * files of the same lesson folder they import. Missing files are skipped: the grader
 * reports them.
 */
export function scanLesson(lesson: Lesson, implDir: string): { findings: Finding[]; violations: Violation[] } {
  const root = path.resolve(KIT, implDir);
  const lessonDir = path.join(root, lesson.id);
  const libDir = path.join(path.dirname(root), "lib");
  const findings: Finding[] = [];
  const violations: Violation[] = [];
  const pending = lesson.files.map((f) => path.join(lessonDir, f));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const program = parseSource(readFileSync(file, "utf8"));
    if (!program) continue; // a syntax error: the grader reports it
    findings.push(...powersIn(program, file));
    violations.push(...violationsIn(program, file, lesson.packages, lessonDir, libDir));
    pending.push(...lessonImports(program, file, lessonDir));
  }
  return { findings, violations };
}

const LESSON_FOLDER = /^(lesson-[1-9][0-9]*)$/;
const SCRIPT = /\.[cm]?[jt]sx?$/;

/** The folders whose lesson subfolders hold code under test: the graded one, exercises/ and solutions/. */
function gradedRoots(): string[] {
  const roots = [path.join(KIT, "exercises"), path.join(KIT, "solutions")];
  const dir = process.env.CRASH_COURSE_IMPL_DIR;
  if (dir) roots.push(path.resolve(dir));
  // Vite names modules by their real paths (/private/tmp/... where /tmp is a link).
  return [...new Set([...roots, ...roots.map(realpathOr)])];
}

interface GradedModule {
  lessonDir: string;
  libDir: string;
  /** Where the lesson folder's files must really be: a link out of it (to solutions/, say) is refused. */
  realLessonDir: string;
  lesson?: Lesson;
}

/** For a module of code under test: its lesson folder, the lib/ beside it and its lesson; else undefined. */
function gradedModule(id: string, roots: readonly string[]): GradedModule | undefined {
  const file = id.replace(/[?#].*$/, "");
  if (!path.isAbsolute(file)) return undefined;
  for (const root of roots) {
    const rel = path.relative(root, file);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
    const folder = LESSON_FOLDER.exec(rel.split(path.sep)[0]);
    if (!folder || rel.split(path.sep).length < 2) continue;
    return {
      lessonDir: path.join(root, folder[1]),
      libDir: path.join(path.dirname(root), "lib"),
      realLessonDir: path.join(realpathOr(root), folder[1]),
      lesson: lessons.find((l) => l.id === folder[1]),
    };
  }
  return undefined;
}

/** The line where a file imports `specifier` (1 when it cannot tell). */
function lineOfSpecifier(file: string, specifier: string): number {
  const program = existsSync(file) ? parseSource(readFileSync(file, "utf8")) : undefined;
  const ref = program ? moduleReferences(program).find((r) => r.specifier === specifier) : undefined;
  return ref ? lineOf(program!, ref.node).line : 1;
}

function realpathOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** A minimal shape of the Vite plugin hooks used here, so this module needs no vite types. */
interface GuardPlugin {
  name: string;
  enforce?: "pre" | "post";
  transform?: unknown;
  resolveId?: unknown;
}

/**
 * Vite plugins (for vitest.config.ts) that refuse to load code under test whose imports
 * break the rule: the error's message lists every violation, one per line, the first one
 * first. They also refuse a file the guard's parser cannot read but the transformer can,
 * and an import whose real path (after symlinks) leaves the allowed places.
 */
export function importGuardPlugin(): GuardPlugin[] {
  const unparsed = new Map<string, string>();
  const roots = gradedRoots(); // the environment is the process's: read it once, not on every resolve
  const pre: GuardPlugin = {
    name: "crash-course:import-guard",
    enforce: "pre",
    transform(code: string, id: string) {
      const graded = gradedModule(id, roots);
      if (!graded || !SCRIPT.test(id.replace(/[?#].*$/, ""))) return null;
      const file = id.replace(/[?#].*$/, "");
      const parsed = parseOrWhy(code);
      if ("why" in parsed) {
        unparsed.set(file, parsed.why);
        return null;
      }
      unparsed.delete(file); // watch mode: the learner fixed it

      const violations = violationsIn(parsed.program, file, graded.lesson?.packages ?? [], graded.lessonDir, graded.libDir);
      if (violations.length > 0) throw new Error(violations.map((v) => v.message).join("\n"));
      return null;
    },
    async resolveId(this: { resolve(source: string, importer?: string, options?: object): Promise<{ id: string } | null> }, source: string, importer?: string) {
      // The tests' `@impl/lesson-1/cow-list.ts` arrives here as an absolute path: the graded file may not be a link out of its folder.
      const asked = path.isAbsolute(source) ? gradedModule(source, roots) : undefined;
      if (asked) {
        const real = realpathOr(source.replace(/[?#].*$/, ""));
        if (!isInside(real, asked.realLessonDir)) {
          throw new Error(`${displayPath(source)} is not allowed: it is a link to ${displayPath(real)}, outside ${path.basename(asked.lessonDir)}'s folder`);
        }
        return null;
      }
      const graded = importer ? gradedModule(importer, roots) : undefined;
      if (!graded || !(source.startsWith("./") || source.startsWith("../"))) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      if (!resolved) return null;
      const real = realpathOr(resolved.id.replace(/[?#].*$/, ""));
      const lib = realpathOr(path.join(KIT, "lib"));
      const allowed = (isInside(real, lib) && !isInside(real, path.join(lib, "grading"))) || isInside(real, graded.realLessonDir);
      if (!allowed) {
        const file = importer!.replace(/[?#].*$/, "");
        const where = `${displayPath(file)}:${lineOfSpecifier(file, source)}`;
        throw new Error(`${where}: import "${source}" is not allowed: it leads to ${displayPath(real)}, outside lib/ and ${path.basename(graded.lessonDir)}'s folder`);
      }
      return resolved;
    },
  };
  const post: GuardPlugin = {
    name: "crash-course:import-guard-unreadable",
    enforce: "post",
    transform(_code: string, id: string) {
      const why = unparsed.get(id.replace(/[?#].*$/, ""));
      if (why === undefined) return null;
      throw new Error(`${displayPath(id.replace(/[?#].*$/, ""))}: the import guard cannot read this file (${why}), so it may not run`);
    },
  };
  return [pre, post];
}
