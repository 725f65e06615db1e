// A StrykerJS ignorer plugin for `npm run mutate`: no mutant is made inside text that only
// labels or explains, because changing it changes no behaviour a test could state.
//
// Ignored, with everything inside them (so also a `${a || "none"}` in such a message):
//   - the arguments of `new XxxError(...)`: an error's message;
//   - the arguments of `super(...)` in a class that extends an Error class;
//   - the label a crash timeline shows: the third argument of `<disk>.write(block,
//     bytes, label)` (lib/sim-disk.ts), and a string or template literal given as the
//     last of three or more arguments to any other method whose name starts with
//     "write" (a solution's own `#writeNode(bytes, level, label)` passes it on);
//   - the value of an object property named `label` (a planned write carries its label
//     to the `write` call that uses it);
//   - the body of a function whose name starts with "describe": by the kit's convention
//     it builds label text only (lesson 4's `describeHomeBlock`, called inside a label).
// Everything else is mutated, every mutator on, string literals that decide behaviour
// (states, levels, kinds) included. Plain JavaScript with no imports: StrykerJS loads it
// by path, from a folder where its own packages cannot be resolved.
//
// @example
//   plugins: ["@stryker-mutator/vitest-runner", "<kit>/scripts/core/mutate-ignore-labels.mjs"],
//   ignorers: ["crash-course-labels"],

/** @param {any} path a Babel NodePath */
function shouldIgnore(path) {
  if (path.parentPath?.node.type === "ObjectProperty" && path.key === "value" && propertyName(path.parentPath.node) === "label") {
    return "write label carried in a plan (crash timeline text)";
  }
  if (path.node.type === "BlockStatement" && /^describe/.test(functionName(path.parentPath) ?? "")) {
    return "a describe… function: label text only";
  }
  const parent = path.parentPath;
  if (!parent || path.listKey !== "arguments") return undefined;
  const call = parent.node;
  if (call.type === "NewExpression" && call.callee.type === "Identifier" && /Error$/.test(call.callee.name)) {
    return "error message text";
  }
  if (call.type === "CallExpression" && call.callee.type === "Super" && extendsAnError(parent)) {
    return "error message text";
  }
  if (call.type === "CallExpression" && call.callee.type === "MemberExpression" && !call.callee.computed) {
    const name = methodName(call.callee.property);
    const last = call.arguments.length - 1;
    if (name === "write" && call.arguments.length === 3 && path.key === 2) return "disk write label (crash timeline text)";
    if (/^write/i.test(name ?? "") && call.arguments.length >= 3 && path.key === last
      && (path.node.type === "StringLiteral" || path.node.type === "TemplateLiteral")) {
      return "write label passed on (crash timeline text)";
    }
  }
  return undefined;
}

function propertyName(property) {
  if (property.computed) return undefined;
  if (property.key.type === "Identifier") return property.key.name;
  if (property.key.type === "StringLiteral") return property.key.value;
  return undefined;
}

/** The name of the function whose body `path` is, if it has one. */
function functionName(path) {
  const node = path?.node;
  if (!node) return undefined;
  if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id) return node.id.name;
  if ((node.type === "ClassMethod" || node.type === "ClassPrivateMethod" || node.type === "ObjectMethod") && !node.computed) {
    return node.key.type === "PrivateName" ? node.key.id.name : node.key.name;
  }
  return undefined;
}

function methodName(property) {
  if (property.type === "Identifier") return property.name;
  if (property.type === "PrivateName") return property.id.name;
  return undefined;
}

function extendsAnError(path) {
  const klass = path.findParent((p) => p.isClassDeclaration() || p.isClassExpression());
  const superClass = klass?.node.superClass;
  return superClass?.type === "Identifier" && /Error$/.test(superClass.name);
}

export const strykerPlugins = [{ kind: "Ignore", name: "crash-course-labels", value: { shouldIgnore } }];
