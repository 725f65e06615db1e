/**
 * The one HTML helper the workbook's renderers share (markdown.ts and svg.ts), kept apart
 * so that neither imports the other: text made safe to place inside markup or an
 * attribute value.
 *
 * @example
 * ```ts
 * escapeHtml(`a < b & "c"`); // "a &lt; b &amp; &quot;c&quot;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
