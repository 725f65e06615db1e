/**
 * Markdown for the terminal: a lesson text parsed by markdown-it and drawn as plain
 * lines with colours (picocolors, off when the output is not a terminal or NO_COLOR is
 * set), and a pager for texts longer than the screen.
 *
 * Contract of `renderMarkdown(source, width)`:
 * - headings bold (level 1 underlined with ═, level 2 with ─), **strong** bold,
 *   *emphasis* italic, `code` cyan, links as "text (url)";
 * - paragraphs, list items and block quotes wrapped to `width` columns (code is never
 *   wrapped); bullet lists with •, ordered lists numbered from their start; nesting
 *   indents by two spaces per level;
 * - fenced and indented code blocks indented by four spaces, with a dim rule above
 *   naming the language, and TypeScript keywords/strings/comments coloured by
 *   highlight.js;
 * - tables as aligned columns with a header rule, respecting `:---:` alignment; a table
 *   wider than `width` narrows its widest columns and wraps their cells;
 * - the result ends without trailing blank lines.
 * `page(text)` sends text through $PAGER (default `less -R`) only when stdout is a
 * terminal and the text has more lines than the screen; otherwise it prints it.
 *
 * @example
 * ```ts
 * await page(renderMarkdown(readFileSync("lessons/lesson-1/README.md", "utf8")));
 * ```
 */
import MarkdownIt from "markdown-it";
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import pc from "picocolors";
import { spawn } from "node:child_process";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";

hljs.registerLanguage("typescript", typescript);
hljs.registerAliases(["ts", "js", "javascript"], { languageName: "typescript" });

const md = new MarkdownIt({ html: false, linkify: false });
type Token = ReturnType<typeof md.parse>[number];

export function visibleLength(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

export function renderMarkdown(source: string, width = defaultWidth()): string {
  const tokens = md.parse(source, {});
  const out: string[] = [];
  renderBlocks(tokens, 0, tokens.length, { width, indent: "", out });
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n");
}

export function defaultWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : 0;
  return Math.max(40, Math.min(columns || 88, 100));
}

interface Context {
  width: number;
  indent: string;
  out: string[];
}

/** Renders block tokens [from, to) into ctx.out. */
function renderBlocks(tokens: Token[], from: number, to: number, ctx: Context): void {
  let i = from;
  while (i < to) {
    const t = tokens[i];
    switch (t.type) {
      case "heading_open": {
        const text = renderInline(tokens[i + 1].children ?? []);
        const level = Number(t.tag.slice(1));
        const title = level <= 2 ? pc.bold(pc.cyan(text)) : pc.bold(text);
        blank(ctx);
        ctx.out.push(ctx.indent + title);
        if (level <= 2) ctx.out.push(ctx.indent + pc.dim((level === 1 ? "═" : "─").repeat(Math.min(visibleLength(text), ctx.width))));
        ctx.out.push("");
        i = closing(tokens, i) + 1;
        break;
      }
      case "paragraph_open": {
        const text = renderInline(tokens[i + 1].children ?? []);
        push(ctx, wrap(text, ctx.width - ctx.indent.length).map((l) => ctx.indent + l));
        if (!t.hidden) ctx.out.push("");
        i = closing(tokens, i) + 1;
        break;
      }
      case "bullet_list_open":
      case "ordered_list_open": {
        const end = closing(tokens, i);
        renderList(tokens, i, end, ctx);
        if (ctx.out[ctx.out.length - 1] !== "") ctx.out.push("");
        i = end + 1;
        break;
      }
      case "blockquote_open": {
        const end = closing(tokens, i);
        const inner: Context = { ...ctx, indent: ctx.indent + pc.dim("│ "), width: ctx.width };
        renderBlocks(tokens, i + 1, end, inner);
        if (ctx.out[ctx.out.length - 1] === ctx.indent + pc.dim("│ ")) ctx.out.pop();
        i = end + 1;
        break;
      }
      case "fence":
      case "code_block": {
        renderCode(t.content, t.info.trim(), ctx);
        i += 1;
        break;
      }
      case "table_open": {
        const end = closing(tokens, i);
        renderTable(tokens.slice(i, end + 1), ctx);
        i = end + 1;
        break;
      }
      case "hr":
        ctx.out.push(ctx.indent + pc.dim("─".repeat(Math.min(40, ctx.width))), "");
        i += 1;
        break;
      case "html_block":
        push(ctx, t.content.replace(/\n$/, "").split("\n").map((l) => ctx.indent + pc.dim(l)));
        i += 1;
        break;
      default:
        i += 1;
    }
  }
}

function push(ctx: Context, lines: string[]): void {
  ctx.out.push(...lines);
}

function blank(ctx: Context): void {
  if (ctx.out.length > 0 && ctx.out[ctx.out.length - 1] !== "") ctx.out.push("");
}

/** The index of the token closing the one opened at `i` (same nesting level). */
function closing(tokens: Token[], i: number): number {
  const open = tokens[i];
  const type = open.type.replace(/_open$/, "_close");
  for (let j = i + 1; j < tokens.length; j++) {
    if (tokens[j].type === type && tokens[j].level === open.level) return j;
  }
  return tokens.length - 1;
}

function renderList(tokens: Token[], open: number, close: number, ctx: Context): void {
  const ordered = tokens[open].type === "ordered_list_open";
  let number = Number(tokens[open].attrGet("start") ?? 1);
  let i = open + 1;
  while (i < close) {
    if (tokens[i].type !== "list_item_open") {
      i += 1;
      continue;
    }
    const end = closing(tokens, i);
    const marker = ordered ? `${number++}.` : "•";
    const pad = " ".repeat(marker.length + 1);
    const item: Context = { width: ctx.width, indent: ctx.indent + pad, out: [] };
    renderBlocks(tokens, i + 1, end, item);
    while (item.out.length > 0 && item.out[item.out.length - 1] === "") item.out.pop();
    item.out.forEach((line, k) => {
      ctx.out.push(k === 0 ? ctx.indent + (ordered ? pc.dim(marker) : pc.cyan(marker)) + " " + line.slice(item.indent.length) : line);
    });
    i = end + 1;
  }
}

function renderCode(code: string, language: string, ctx: Context): void {
  const body = code.replace(/\n$/, "");
  const lines = highlight(body, language).split("\n");
  blank(ctx);
  ctx.out.push(ctx.indent + pc.dim(`  ┌─ ${language || "code"}`));
  for (const line of lines) ctx.out.push(ctx.indent + pc.dim("  │ ") + line);
  ctx.out.push("");
}

/** highlight.js emits HTML spans; this maps the few classes that matter to colours. */
function highlight(code: string, language: string): string {
  if (!pc.isColorSupported || !hljs.getLanguage(language || "none")) return code;
  const html = hljs.highlight(code, { language }).value;
  const colours: Record<string, (s: string) => string> = {
    keyword: pc.magenta, built_in: pc.cyan, type: pc.cyan, literal: pc.yellow, number: pc.yellow,
    string: pc.green, regexp: pc.green, comment: pc.dim, title: pc.blue, params: (s) => s,
  };
  const stack: ((s: string) => string)[] = [];
  let out = "";
  for (const part of html.split(/(<span class="[^"]*">|<\/span>)/)) {
    const open = /^<span class="hljs-([\w-]+)/.exec(part);
    if (open) stack.push(colours[open[1].split(/[ _-]/)[0]] ?? colours[open[1]] ?? ((s) => s));
    else if (part === "</span>") stack.pop();
    else {
      const text = unescapeHtml(part);
      const colour = stack[stack.length - 1];
      // Colour line by line so a multi-line comment stays coloured after a newline.
      out += colour ? text.split("\n").map((l) => (l ? colour(l) : l)).join("\n") : text;
    }
  }
  return out;
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
}

function renderTable(tokens: Token[], ctx: Context): void {
  const rows: { cells: string[]; header: boolean }[] = [];
  const align: string[] = [];
  let current: string[] | undefined;
  let header = false;
  for (const t of tokens) {
    if (t.type === "thead_open") header = true;
    else if (t.type === "thead_close") header = false;
    else if (t.type === "tr_open") current = [];
    else if (t.type === "tr_close" && current) rows.push({ cells: current, header });
    else if ((t.type === "th_open" || t.type === "td_open") && rows.length === 0) {
      align.push(/text-align:(\w+)/.exec(String(t.attrGet("style") ?? ""))?.[1] ?? "left");
    } else if (t.type === "inline" && current) current.push(renderInline(t.children ?? []));
  }
  const columns = Math.max(...rows.map((r) => r.cells.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(1, ...rows.map((r) => visibleLength(r.cells[c] ?? ""))));
  // Too wide for the screen: narrow the widest column, one column at a time; cells wrap.
  const room = ctx.width - visibleLength(ctx.indent) - 2 - 3 * (columns - 1);
  while (widths.reduce((a, b) => a + b, 0) > room) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= 8) break;
    widths[widest] -= 1;
  }
  const fit = (text: string, c: number) => {
    const gap = Math.max(0, widths[c] - visibleLength(text));
    if (align[c] === "right") return " ".repeat(gap) + text;
    if (align[c] === "center") return " ".repeat(Math.floor(gap / 2)) + text + " ".repeat(Math.ceil(gap / 2));
    return text + " ".repeat(gap);
  };
  blank(ctx);
  for (const row of rows) {
    const cells = widths.map((w, c) => wrap(row.cells[c] ?? "", w));
    const height = Math.max(...cells.map((lines) => lines.length));
    for (let k = 0; k < height; k++) {
      const parts = cells.map((lines, c) => fit(lines[k] ?? "", c));
      ctx.out.push((ctx.indent + "  " + parts.map((cell) => (row.header ? pc.bold(cell) : cell)).join(pc.dim(" │ "))).trimEnd());
    }
    if (row.header) ctx.out.push(ctx.indent + "  " + pc.dim(widths.map((w) => "─".repeat(w)).join("─┼─")));
  }
  ctx.out.push("");
}

function renderInline(tokens: Token[]): string {
  let out = "";
  const styles: ((s: string) => string)[] = [];
  let link: string | undefined;
  const style = (s: string) => styles.reduce((text, f) => f(text), s);
  for (const t of tokens) {
    switch (t.type) {
      case "text":
        out += style(t.content);
        break;
      case "code_inline":
        out += pc.cyan(t.content);
        break;
      case "strong_open":
        styles.push(pc.bold);
        break;
      case "em_open":
        styles.push(pc.italic);
        break;
      case "s_open":
        styles.push(pc.strikethrough);
        break;
      case "strong_close":
      case "em_close":
      case "s_close":
        styles.pop();
        break;
      case "link_open":
        link = String(t.attrGet("href") ?? "") || undefined;
        styles.push(pc.underline);
        break;
      case "link_close":
        styles.pop();
        if (link && !link.startsWith("#")) out += pc.dim(` (${link})`);
        link = undefined;
        break;
      case "image":
        out += pc.dim(`[image: ${t.content || t.attrGet("src")}]`);
        break;
      case "softbreak":
        out += " ";
        break;
      case "hardbreak":
        out += "\n";
        break;
      case "html_inline":
        break;
      default:
        out += t.content;
    }
  }
  return out;
}

/** Greedy word wrap on visible width; words longer than the width stay whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/ +/)) {
      if (!word) continue;
      if (line && visibleLength(line) + 1 + visibleLength(word) > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/** Prints text, through a pager when stdout is a terminal and the text is taller than it. */
export async function page(text: string): Promise<void> {
  const rows = process.stdout.isTTY ? process.stdout.rows : 0;
  if (!rows || text.split("\n").length < rows) {
    console.log(text);
    return;
  }
  const pager = process.env.PAGER?.trim() || "less";
  const env = { ...process.env, LESS: process.env.LESS ?? "FRX" };
  const shown = await new Promise<boolean>((resolve) => {
    const child = spawn(pager, { shell: true, stdio: ["pipe", "inherit", "inherit"], env });
    child.on("error", () => resolve(false));
    child.stdin.on("error", () => {}); // the reader quit early: fine
    child.on("close", (code) => resolve(code !== 127));
    child.stdin.end(text + "\n");
  });
  if (!shown) console.log(text);
}
