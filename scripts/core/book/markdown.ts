/**
 * Lesson Markdown → HTML for the workbook: heading anchors (markdown-it-anchor),
 * highlighted code (highlight.js), tables, links between lessons rewritten to the
 * workbook's pages, and ```sharing diagrams drawn as SVG. Raw HTML in the Markdown is
 * escaped, so a lesson text cannot inject markup.
 *
 * @example
 * ```ts
 * const context = { baseDir: "lessons/lesson-2", linkedFiles: new Set<string>() };
 * const html = renderMarkdown(readFileSync("lessons/lesson-2/README.md", "utf8"), context);
 * ```
 */
import MarkdownIt from "markdown-it";
import type { MarkdownIt as Markdown, RendererRule } from "markdown-it";
import anchor from "markdown-it-anchor";
import hljs from "highlight.js/lib/common";
import { posix } from "node:path";
import { escapeHtml } from "./html.ts";
import { sharingSvg } from "./svg.ts";

export { escapeHtml };

const EXTERNAL = /^(?:[a-z]+:|#)/i;

/** A slug as GitHub makes it, so that links written against GitHub's renderer still work. */
export function slugify(text: string): string {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function highlight(code: string, lang: string): string {
  if (lang && hljs.getLanguage(lang)) {
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  }
  return ""; // markdown-it escapes it
}

function createRenderer(): Markdown {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, highlight });
  md.use(anchor, { slugify, tabIndex: false });
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    if (token.info.trim() === "sharing") return sharingSvg(token.content);
    return fence(tokens, idx, options, env, self);
  };
  const linkOpen: RendererRule = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    token.attrSet("href", rewriteHref(String(token.attrGet("href") ?? ""), env as unknown as RenderContext));
    return linkOpen(tokens, idx, options, env, self);
  };
  return md;
}

/** Where the Markdown file lives, and the kit files its links point at (filled in while rendering). */
export interface RenderContext {
  /** The Markdown file's folder, relative to the kit root, with "/" separators: "lessons/lesson-3". */
  baseDir: string;
  linkedFiles: Set<string>;
}

/**
 * Links between lessons become links between pages. Links to the kit's own files (an
 * exercise, a lib module) become links to a page that shows the file, which the site
 * builder writes for every path collected in `linkedFiles`.
 */
export function rewriteHref(href: string, context: RenderContext): string {
  if (EXTERNAL.test(href)) return href;
  const [target, fragment = ""] = href.split("#", 2);
  const file = posix.normalize(posix.join(context.baseDir, decodeURI(target)));
  const lesson = /^lessons\/(lesson-\d+)\/(?:README\.md)?$/.exec(file);
  if (lesson) return `${lesson[1]}.html${fragment ? `#${fragment}` : ""}`;
  context.linkedFiles.add(file);
  return filePageHref(file);
}

/** The workbook page that shows a kit file: "files/exercises/lesson-3/journaled-fs.ts.html". */
export function filePageHref(file: string): string {
  return `files/${file.split("/").map(encodeURIComponent).join("/")}.html`;
}

let renderer: Markdown | undefined;

export function renderMarkdown(markdown: string, context: RenderContext): string {
  renderer ??= createRenderer();
  return renderer.render(markdown, context as unknown as Record<string, unknown>);
}

/** Highlighted source of a kit file, for its page in the workbook. */
export function renderSource(source: string, file: string): string {
  const lang = /\.tsx?$/.test(file) ? "typescript" : /\.json$/.test(file) ? "json" : /\.md$/.test(file) ? "markdown" : "";
  const body = lang ? hljs.highlight(source, { language: lang, ignoreIllegals: true }).value : escapeHtml(source);
  return `<pre><code class="hljs">${body}</code></pre>`;
}
