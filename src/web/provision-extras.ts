import { describedBy } from "./field-notice.ts";
import { type Html, html } from "./html.ts";

/** The admin's curated list as boxes, and whether other nixpkgs names may be typed. */
export interface SoftwareChoice {
  curated: { name: string; label: string; ticked: boolean }[];
  freeText: boolean;
  /** Names chosen that are not on the list, as the text field shows them. */
  other: string;
}

/** "Keep my work": ticked or not, and what it gives in each offered location, priced. */
export interface KeepWorkChoice {
  ticked: boolean;
  offers: { location: string; line: string }[];
}

/**
 * Extra software: a box per package on the admin's list, and a text field for other nixpkgs names
 * when the admin allows them. Both arrive as `packages`/`packagesOther` and the provision verb checks them.
 */
export function softwareField(s: SoftwareChoice, invalid: string | null = null): Html {
  if (s.curated.length === 0 && !s.freeText) return html``;
  return html`<fieldset class="software">
<legend>Extra software</legend>
${
  s.curated.length > 0
    ? html`<div class="choices">${s.curated.map(
        (p) =>
          html`<label class="check"><input type="checkbox" name="packages" value="${p.name}" ${p.ticked ? "checked" : ""}> ${p.label}</label>`,
      )}</div>`
    : ""
}
${
  s.freeText
    ? html`<label for="packagesOther">${s.curated.length > 0 ? "Other nixpkgs packages" : "nixpkgs packages"}</label>
<input id="packagesOther" name="packagesOther" type="text" value="${s.other}" spellcheck="false" autocomplete="off" autocapitalize="none" placeholder="e.g. ripgrep nodejs_22" ${describedBy("packagesOther", invalid, "packagesOther-hint")}>
<p class="hint" id="packagesOther-hint">Separated by spaces or commas; at most 20 in all.</p>`
    : ""
}
</fieldset>`;
}

/** "Keep my work", with what it gives and costs in each location; the script shows the chosen location's line. */
export function keepWorkField(k: KeepWorkChoice, location: string, invalid: string | null = null): Html {
  return html`<fieldset class="keep-work">
<legend>Work volume</legend>
<label class="check"><input type="checkbox" id="keepWork" name="keepWork" value="true" ${k.ticked ? "checked" : ""} ${describedBy("keepWork", invalid, "keepWork-hint")}> Keep my work</label>
<p class="hint" id="keepWork-hint">Kept between machines: ${k.offers.map(
    (o) =>
      html`<span class="keep-line" data-location="${o.location}" ${o.location === location ? "" : "hidden"}>${o.line}</span>`,
  )}.</p>
</fieldset>`;
}

/** "Repository": cloned into ~/work/<name> once the machine is ready; checked before anything is spent. */
export function repoField(repo: string): Html {
  return html`<label for="repo">Repository</label>
<input id="repo" name="repo" type="text" value="${repo}" spellcheck="false" autocomplete="off" autocapitalize="none" placeholder="owner/name, owner/name@branch or a clone URL" aria-describedby="repo-hint">
<p class="hint" id="repo-hint">Optional. Cloned into ~/work/&lt;name&gt; when the machine is ready; a private one needs your GITHUB_TOKEN or GITLAB_TOKEN secret.</p>`;
}
