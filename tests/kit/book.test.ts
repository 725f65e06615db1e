/**
 * The workbook (`npm run book`): it builds on both runtimes with every lesson of the
 * registry and its grade, `--serve` serves it and rebuilds on change, and in a real
 * browser (headless Chromium through playwright-core) every page renders with
 * JavaScript off, every link resolves, headings are in order, pictures have text
 * alternatives, and text has enough contrast. Without /usr/bin/chromium the browser
 * tests say so and are skipped (`.ci/run` installs it).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { lessons } from "../../lib/registry.ts";
import { serveFolder } from "../../scripts/core/book/serve.ts";
import { RUNTIMES, SLOW_MACHINE_LIMIT, kit } from "./support/cli.ts";
import { shippedKit, tempKit } from "./support/temp-kit.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const outs = new Map<string, string>();

afterAll(() => {
  for (const out of outs.values()) rmSync(out, { recursive: true, force: true });
});

describe.each(RUNTIMES)("npm run book on %s", (runtime) => {
  test("writes an index and one page per lesson, with grades from a fresh check", async () => {
    const out = mkdtempSync(path.join(tmpdir(), `crash-course-book-${runtime}-`));
    outs.set(runtime, out);
    // Graded in a copy with the shipped skeletons: the kit's own exercises may hold a learner's work.
    const result = await kit(runtime, "book", ["--out", out], { cwd: shippedKit() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wrote \d+ pages/);
    const index = readFileSync(path.join(out, "index.html"), "utf8");
    for (const lesson of lessons) {
      expect(existsSync(path.join(out, `${lesson.id}.html`)), `${lesson.id}.html`).toBe(true);
      expect(index).toContain(`href="${lesson.id}.html"`);
    }
    // The untouched skeletons: every lesson graded, none done.
    expect(index).toMatch(/tests pass/);
    expect(index).not.toContain("not graded");
    expect(index).not.toMatch(/>done:/);
  });
});

test("`book --port nonsense` is a usage error", async () => {
  const result = await kit("node", "book", ["--port", "nonsense", "--no-grade"]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("--port must be a whole number");
});

test("`book --serve` serves the site and rebuilds when a lesson text changes", async () => {
  const copy = tempKit();
  const child = spawn(process.execPath, [path.join(copy.root, "scripts", "run.mjs"), "--vitest", path.join(copy.root, "scripts", "book.ts"), "--serve", "--port", "0", "--no-grade"], {
    cwd: copy.root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const url = await waitFor(() => /serving the workbook on (http:\/\/\S+)/.exec(stdout)?.[1]);
    const first = await fetch(`${url}lesson-1.html`);
    expect(first.status).toBe(200);
    const readme = path.join(copy.root, "lessons", "lesson-1", "README.md");
    writeFileSync(readme, readFileSync(readme, "utf8") + "\n## A section added while serving\n");
    await waitFor(async () => (await (await fetch(`${url}lesson-1.html`)).text()).includes("A section added while serving"));
    expect((await fetch(`${url}no-such-page.html`)).status).toBe(404);
  } finally {
    child.kill("SIGINT");
    copy.remove();
  }
}, SLOW_MACHINE_LIMIT);

describe.skipIf(!hasChromium)("the workbook in headless Chromium, JavaScript off", () => {
  let browser: Browser;
  let server: { url: string; close(): void };
  let page: Page;
  const pages = ["index.html", ...lessons.map((l) => `${l.id}.html`)];

  beforeAll(async () => {
    const out = outs.get("node") ?? (await buildWithoutGrades());
    server = await serveFolder(out, 0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
  }, SLOW_MACHINE_LIMIT);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  test.each(pages)("%s renders: a title, one h1, headings in order", async (name) => {
    const response = await page.goto(server.url + name);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toContain("crash-course workbook");
    const levels = await page.$$eval("main h1, main h2, main h3, main h4, main h5, main h6", (hs) => hs.map((h) => Number(h.tagName[1])));
    expect(levels[0]).toBe(1);
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    const jumps = levels.flatMap((level, i) => (i > 0 && level > levels[i - 1] + 1 ? [`h${levels[i - 1]} → h${level}`] : []));
    expect(jumps, "headings must not skip a level").toEqual([]);
  });

  test.each(pages)("%s: every link inside the workbook resolves, anchors included", async (name) => {
    await page.goto(server.url + name);
    const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => (a as HTMLAnchorElement).href));
    const local = [...new Set(hrefs.filter((h) => h.startsWith(server.url)))];
    const broken: string[] = [];
    for (const href of local) {
      const [target, fragment] = href.split("#");
      const response = await fetch(target);
      if (response.status !== 200) broken.push(`${href} (${response.status})`);
      else if (fragment && !(await response.text()).includes(`id="${decodeURIComponent(fragment)}"`)) broken.push(`${href} (no such anchor)`);
    }
    expect(broken).toEqual([]);
  });

  test.each(pages)("%s: pictures have text alternatives and text has AA contrast", async (name) => {
    await page.goto(server.url + name);
    const unnamed = await page.$$eval("img:not([alt]), svg[role=img]:not([aria-labelledby]):not([aria-label])", (els) => els.length);
    expect(unnamed).toBe(0);
    const low = await page.$$eval("main p, main li, main td, main th, main a, main code, main span[class^=hljs]", (els) => {
      const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el: Element | null): number[] => {
        for (; el; el = el.parentElement) {
          const c = parse(getComputedStyle(el).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      return els.flatMap((el) => {
        if (!el.textContent?.trim()) return [];
        const fg = lum(parse(getComputedStyle(el).color));
        const bg = lum(background(el));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        return ratio < 4.5 ? [`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`] : [];
      });
    });
    expect(low).toEqual([]);
  });

  test("a screenshot of every lesson page", async () => {
    const shots = mkdtempSync(path.join(tmpdir(), "crash-course-book-shots-"));
    outs.set("shots", shots);
    for (const name of pages) {
      await page.goto(server.url + name);
      const png = await page.screenshot({ path: path.join(shots, name.replace(".html", ".png")), fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe("PNG");
    }
  });
});

test.runIf(!hasChromium)("browser tests need Chromium at /usr/bin/chromium (apt install chromium); skipped here", () => {
  console.warn(`skipped the workbook's browser tests: no Chromium at ${CHROMIUM}`);
});

async function buildWithoutGrades(): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), "crash-course-book-plain-"));
  outs.set("plain", out);
  const result = await kit("node", "book", ["--out", out, "--no-grade"]);
  if (result.code !== 0) throw new Error(result.stderr);
  return out;
}

/** Polls until `probe` gives a value; the cap only ends a wait for something that never comes. */
async function waitFor<T>(probe: () => T | Promise<T>, ms = SLOW_MACHINE_LIMIT / 2): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

