/**
 * The terminal Markdown renderer behind `npm run lesson`, in-process: each construct a
 * lesson text uses comes out as readable plain lines, wrapped to the width asked for.
 */
import { describe, expect, test } from "vitest";
import { stripVTControlCharacters } from "node:util";
import { renderMarkdown, wrap } from "../../scripts/core/terminal-markdown.ts";

const render = (source: string, width = 60) => stripVTControlCharacters(renderMarkdown(source, width));

describe("rendering Markdown for the terminal", () => {
  test("headings lose their # and get a rule; emphasis and code lose their markers", () => {
    const out = render("# Title\n\n## Part\n\nSome **bold**, *soft* and `code` words.\n");
    expect(out).toBe("Title\n═════\n\nPart\n────\n\nSome bold, soft and code words.");
  });

  test("lists: bullets, numbers from the list's start, nested items indented", () => {
    const out = render("- one\n- two\n  - inner\n\n3. third\n4. fourth\n");
    expect(out).toBe("• one\n• two\n  • inner\n\n3. third\n4. fourth");
  });

  test("code blocks keep their lines unwrapped under a rule naming the language", () => {
    const long = "const x = " + "1 + ".repeat(30) + "1;";
    const out = render("```ts\n" + long + "\nreturn x;\n```\n", 40);
    expect(out).toBe(`  ┌─ ts\n  │ ${long}\n  │ return x;`);
  });

  test("tables align their columns, honour right alignment, and wrap cells when too wide", () => {
    expect(render("| name | n |\n|---|---:|\n| a | 10 |\n| bb | 2 |\n")).toBe("  name │  n\n  ─────┼───\n  a    │ 10\n  bb   │  2");
    const narrow = render("| a | b |\n|---|---|\n| " + "word ".repeat(12) + "| x |\n", 30);
    for (const line of narrow.split("\n")) expect(line.length).toBeLessThanOrEqual(30);
    expect(narrow.split("\n").length).toBeGreaterThan(4);
  });

  test("paragraphs wrap at the width and links show their address", () => {
    const out = render("word ".repeat(30) + "[the docs](https://example.com/x).\n", 40);
    for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(40);
    expect(out.replace(/\n/g, " ")).toContain("the docs (https://example.com/x).");
  });

  test("wrap keeps a word longer than the width whole", () => {
    expect(wrap("a " + "x".repeat(12) + " b", 5)).toEqual(["a", "x".repeat(12), "b"]);
  });
});
