/**
 * The workbook's one stylesheet. Colours meet WCAG AA contrast on white (body text
 * 16:1, links and code tokens at least 4.5:1); the layout needs no script.
 */
export const STYLE = `
:root { color-scheme: light; --text: #1a1a1a; --muted: #4a4a4a; --link: #0b4f9c; --rule: #d0d7de; --code-bg: #f5f7f9; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 0 1rem 3rem; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--text); background: #ffffff; }
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #ffffff; padding: .5rem; }
header.site { padding: .75rem 0; border-bottom: 1px solid var(--rule); margin-bottom: 1rem; font-weight: 600; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2rem; }
pre { background: var(--code-bg); padding: .75rem 1rem; overflow-x: auto; border-radius: 6px; font-size: 14px; line-height: 1.45; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
:not(pre) > code { background: var(--code-bg); padding: .1em .3em; border-radius: 4px; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--rule); padding: .35rem .6rem; text-align: left; vertical-align: top; }
thead th { background: var(--code-bg); }
blockquote { margin: 1rem 0; padding: 0 1rem; border-left: 4px solid var(--rule); color: var(--muted); }
figure.diagram { margin: 1rem 0; overflow-x: auto; }
figure.diagram figcaption { color: var(--muted); font-size: 14px; }
.grade-box { border: 2px solid var(--accent); border-radius: 8px; padding: 0 1rem 1rem; margin-top: 2.5rem; }
.grade-box h2 { border: 0; }
.bar { display: inline-block; width: 6rem; height: .7rem; border: 1px solid var(--muted); border-radius: 3px; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #1d7a35; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 2rem; padding-top: 1rem; border-top: 1px solid var(--rule); }
.hljs-comment, .hljs-quote { color: #57606a; font-style: italic; }
.hljs-keyword, .hljs-selector-tag, .hljs-built_in, .hljs-type { color: #a01c5a; }
.hljs-string, .hljs-regexp, .hljs-addition { color: #0a5a24; }
.hljs-number, .hljs-literal, .hljs-symbol { color: #0b4f9c; }
.hljs-title, .hljs-title.function_, .hljs-title.class_, .hljs-section { color: #6639ba; }
.hljs-attr, .hljs-attribute, .hljs-variable, .hljs-property { color: #8a4600; }
.hljs-deletion { color: #a1201b; }
.hljs-meta { color: #4a4a4a; }
`;
