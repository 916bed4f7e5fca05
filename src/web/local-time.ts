import { formatUtc } from "../render/time.ts";
import { type Html, html } from "./html.ts";

/**
 * A moment on a page: written in UTC (right without the script), with its ISO time for the script to
 * show in the reader's own time zone, naming the zone; UTC stays in the tooltip.
 */
export function localTime(at: Date): Html {
  const utc = formatUtc(at);
  return html`<time datetime="${at.toISOString()}" title="${utc}">${utc}</time>`;
}

/** The line saying which zone the page's times are in; the script names the reader's own. */
export function zoneNote(): Html {
  return html`<p class="zone-note" data-zone-note>Times are in UTC.</p>`;
}
