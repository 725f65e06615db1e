/**
 * The workbook's pictures, as inline SVG that needs no script: a crash timeline (the
 * disk writes of a workload and, for each crash point, whether an implementation
 * recovered) and a sharing diagram (which versions share which nodes). Every picture
 * has a <title> and a <desc> that say in words what it shows.
 *
 * @example
 * ```ts
 * sharingSvg("snapshot 1: root A B\nlive: root' A B'");
 * timelineSvg({ title, writes, steps, rows: [{ name: "reference", survived }] });
 * ```
 */
import { escapeHtml as esc } from "./html.ts";

let nextId = 0;
const uid = (base: string) => `${base}-${++nextId}`;

const COLORS = {
  text: "#1a1a1a",
  muted: "#4a4a4a",
  journal: "#1f5fa8",
  data: "#2d6a2d",
  other: "#6b4c9a",
  copy: "#a0410d",
  shared: "#e8eef7",
  ok: "#1d7a35",
  bad: "#b3261e",
};

function figure(width: number, height: number, title: string, desc: string, body: string): string {
  const t = uid("svg-title");
  const d = uid("svg-desc");
  return `<figure class="diagram"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${t} ${d}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12"><title id="${t}">${esc(title)}</title><desc id="${d}">${esc(desc)}</desc>${body}</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

/** A row of versions over columns of nodes; a node named alike in adjacent rows is one shared box. */
export function sharingSvg(spec: string): string {
  const rows = spec.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const colon = line.indexOf(":");
    return { label: line.slice(0, colon).trim(), nodes: line.slice(colon + 1).trim().split(/\s+/) };
  });
  if (rows.length === 0 || rows.some((r) => r.label === "" || r.nodes.length === 0)) {
    return `<pre>${esc(spec)}</pre>`;
  }
  const labelWidth = 110, cell = 70, rowHeight = 40, pad = 10;
  const columns = Math.max(...rows.map((r) => r.nodes.length));
  const width = labelWidth + columns * cell + pad;
  const height = rows.length * rowHeight + pad;
  const parts: string[] = [];
  const shared: string[] = [];
  rows.forEach((row, r) => {
    const y = pad + r * rowHeight;
    parts.push(`<text x="0" y="${y + 20}" fill="${COLORS.text}">${esc(row.label)}</text>`);
    row.nodes.forEach((node, c) => {
      const above = r > 0 && rows[r - 1].nodes[c] === node;
      if (above) return; // drawn by the row above, stretched down
      let span = 1;
      while (r + span < rows.length && rows[r + span].nodes[c] === node) span += 1;
      if (span > 1) shared.push(`${node} (${rows.slice(r, r + span).map((x) => x.label).join(", ")})`);
      const copy = node.endsWith("'");
      const x = labelWidth + c * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell - 10}" height="${span * rowHeight - 10}" rx="4" fill="${span > 1 ? COLORS.shared : "#ffffff"}" stroke="${copy ? COLORS.copy : COLORS.journal}" stroke-width="${copy ? 2 : 1}"/>`);
      parts.push(`<text x="${x + (cell - 10) / 2}" y="${y + (span * rowHeight - 10) / 2 + 4}" text-anchor="middle" fill="${copy ? COLORS.copy : COLORS.text}">${esc(node)}</text>`);
    });
  });
  const desc = `${rows.map((r) => `${r.label}: ${r.nodes.join(" ")}`).join("; ")}. ` +
    (shared.length ? `Shared, stored once: ${shared.join("; ")}.` : "Nothing is shared.") +
    " Names with a prime (') are copies made by a write.";
  return figure(width, height, "Which versions share which nodes", desc, parts.join(""));
}

export interface TimelineFigure {
  title: string;
  writes: readonly { index: number; block: number; label: string }[];
  steps: readonly { name: string; start: number }[];
  /** survived[k]: recovery was right after a crash after k writes (k = 0 .. writes.length). */
  rows: readonly { name: string; survived: readonly boolean[] }[];
}

function kindOf(label: string): keyof typeof COLORS {
  if (/journal|commit|log|record|descriptor|revoke/i.test(label)) return "journal";
  if (/data|home|content/i.test(label)) return "data";
  return "other";
}

/** Writes as numbered boxes left to right, steps above them, a row of crash-point dots per implementation below. */
export function timelineSvg(data: TimelineFigure): string {
  const cell = 26, left = 130, top = 44, pad = 10;
  const points = data.writes.length + 1;
  const width = left + points * cell + pad;
  const height = top + 40 + data.rows.length * 24 + 30;
  const parts: string[] = [];
  data.steps.forEach((step, i) => {
    const x = left + step.start * cell;
    const y = i % 2 === 0 ? 14 : 30; // alternate rows, so that short steps' names do not overlap
    parts.push(`<line x1="${x}" y1="${y - 10}" x2="${x}" y2="${top + 30}" stroke="${COLORS.muted}" stroke-dasharray="3 3"/>`);
    parts.push(`<text x="${x + 3}" y="${y}" fill="${COLORS.muted}">${esc(step.name)}</text>`);
  });
  parts.push(`<text x="0" y="${top + 18}" fill="${COLORS.text}">disk writes</text>`);
  data.writes.forEach((w, i) => {
    const x = left + i * cell + cell / 2;
    parts.push(`<rect x="${x - 10}" y="${top}" width="20" height="24" rx="3" fill="${COLORS[kindOf(w.label)]}"><title>write ${w.index}: block ${w.block}${w.label ? `, ${esc(w.label)}` : ""}</title></rect>`);
    parts.push(`<text x="${x}" y="${top + 16}" text-anchor="middle" fill="#ffffff" font-size="10">${w.index}</text>`);
  });
  data.rows.forEach((row, r) => {
    const y = top + 50 + r * 24;
    parts.push(`<text x="0" y="${y + 4}" fill="${COLORS.text}">${esc(row.name)}</text>`);
    row.survived.forEach((ok, k) => {
      const x = left + k * cell;
      parts.push(`<circle cx="${x}" cy="${y}" r="6" fill="${ok ? COLORS.ok : COLORS.bad}"><title>crash after ${k} writes: ${ok ? "recovered" : "state wrong after recovery"}</title></circle>`);
      if (!ok) parts.push(`<text x="${x}" y="${y + 4}" text-anchor="middle" fill="#ffffff" font-size="10">✗</text>`);
    });
  });
  const legendY = height - 10;
  parts.push(`<text x="0" y="${legendY}" fill="${COLORS.muted}">boxes: blue journal, green data, purple other · dots: a crash between writes, green recovered, red ✗ not</text>`);
  const summary = data.rows.map((row) => `${row.name} recovers correctly from ${row.survived.filter(Boolean).length} of ${row.survived.length} crash points`).join("; ");
  const desc = `${data.writes.length} disk writes: ${data.writes.map((w) => `${w.index} block ${w.block}${w.label ? ` ${w.label}` : ""}`).join(", ")}. ${summary}.`;
  return figure(width, height, data.title, desc, parts.join(""));
}
