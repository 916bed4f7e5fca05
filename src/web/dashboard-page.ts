import type { Offer } from "../core/cloud/catalog.ts";
import { type Instance, isRunning } from "../core/instances/instance.ts";
import { hostKeyFingerprint } from "../core/machine/host-key.ts";
import type { Hibernation, MachineActivityRecord } from "../core/store/store.ts";
import { guestGrants, guestSecretsSentence } from "../render/access.ts";
import { lifetimePhrase } from "../render/hibernation-notices.ts";
import { euro, knownHostsFor, sshCommand } from "../render/text.ts";
import { formatTimeLeft } from "../render/time.ts";
import { describedBy, type Notice, noticeControl, withCode } from "./field-notice.ts";
import { type Html, html } from "./html.ts";
import { layout } from "./layout.ts";
import { localTime } from "./local-time.ts";
import {
  type KeepWorkChoice,
  keepWorkField,
  repoField,
  type SoftwareChoice,
  softwareField,
} from "./provision-extras.ts";
import { type SpendData, spendSection } from "./spend-chart.ts";

export interface ProvisionForm {
  offers: Offer[];
  locations: { name: string; label: string }[];
  choice: { location: string; serverType: string; hours: string };
  sshKey: string;
  /** The repository to start from: what was typed, else the last one. */
  repo: string;
  maxHours: number;
  software: SoftwareChoice;
  keepWork: KeepWorkChoice;
}

export interface DashboardData {
  user: string;
  isAdmin: boolean;
  csrf: string;
  now: Date;
  /** The port people's `ssh` uses (CCC_SSH_PORT). */
  sshPort?: number;
  mine: Instance[];
  /** For admins: every live machine and what they cost together per hour (null when prices are not at hand). */
  everyone: { instances: Instance[]; hourly: Map<string, string | null>; hourlyTotal: string | null } | null;
  /** Slack's display name of each person shown, by user id. */
  names: Map<string, string>;
  /** Null when Hetzner's lists are not at hand: the page says to try again. */
  form: ProvisionForm | null;
  /** Why no new machine can be asked for now (the person is at their limit), shown instead of the form. */
  atLimit: string | null;
  /** What the idle check last learned about each running machine (last active time and why). */
  activity: Map<string, MachineActivityRecord>;
  /** The person's hibernated machines: asleep (a Wake button) or waking. */
  asleep: { instance: Instance; sleep: Hibernation }[];
  /** The person's machines being snapshotted right now (Save & delete). */
  saving: Set<string>;
  spend: SpendData;
  notice: Notice | null;
}

export function dashboardPage(d: DashboardData): Html {
  const pending =
    d.mine.some(
      (i) =>
        i.status === "creating" || i.status === "installing" || i.status === "deleting" || d.saving.has(i.id),
    ) || d.asleep.some((a) => a.sleep.state === "waking");
  const header = html`<span class="who">${d.names.get(d.user) ?? d.user}${d.isAdmin ? " (admin)" : ""}</span> <a href="/web/secrets">Secrets</a> <a href="/web/tasks">Tasks</a>
<form method="post" action="/web/sign-out" class="inline">${csrfField(d.csrf)}<button type="submit" class="link">Sign out</button></form>`;
  return layout(
    "Your machines · ccc",
    html`${d.notice ? html`<p class="notice ${d.notice.kind}" role="${d.notice.kind === "error" ? "alert" : "status"}"${d.notice.kind === "error" ? html` id="notice"` : ""}>${withCode(d.notice.text)}</p>` : ""}
<section aria-labelledby="mine-h" ${pending ? html`data-refresh="3"` : ""}>
<h1 id="mine-h">Your machines</h1>
${d.mine.length === 0 && d.asleep.length === 0 ? html`<p class="empty">You have no machines. Start one below.</p>` : d.mine.map((i) => machineCard(i, d))}
${d.asleep.length > 0 ? asleepList(d) : ""}
</section>
<section aria-labelledby="new-h" class="card">
<h2 id="new-h">New machine</h2>
${
  d.atLimit
    ? html`<p class="hint">${d.atLimit}</p>`
    : d.form
      ? provisionForm(d.form, d.csrf, noticeControl(d.notice))
      : html`<p>Hetzner's list of server types is not at hand right now. Reload in a minute.</p>`
}
</section>
${spendSection(d.spend)}
${d.everyone ? everyoneSection(d.everyone, d.now, d.names) : ""}`,
    header,
  );
}

function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

function machineCard(i: Instance, d: DashboardData): Html {
  const ssh = sshCommand(i, d.sshPort);
  const known = knownHostsFor(i, d.sshPort);
  const busy = i.status !== "ready";
  return html`<article class="card machine" aria-labelledby="m-${i.id}">
<div class="machine-head">
<h2 id="m-${i.id}">${i.id}</h2>
<span class="status status-${i.status}" data-status="${i.status}">${i.status}</span>
</div>
<dl class="facts">
<dt>Type</dt><dd>${i.serverType} in ${i.location}</dd>
<dt>Expires</dt><dd>${localTime(i.expiresAt)}
 · <span class="countdown" data-expires="${i.expiresAt.toISOString()}">${formatTimeLeft(i.expiresAt, d.now)}</span></dd>
${lastActive(d.activity.get(i.id))}
${ssh ? html`<dt>Connect</dt><dd><code class="copy">${ssh}</code></dd>` : ""}
${i.hostKey ? html`<dt>Host key</dt><dd><code>${hostKeyFingerprint(i.hostKey)}</code></dd>` : ""}
</dl>
${known ? html`<details><summary>known_hosts line</summary><code class="block">${known}</code></details>` : ""}
${d.saving.has(i.id) ? html`<p class="hint">Being saved: a snapshot is taken, then the machine is deleted. This page refreshes itself until it is done.</p>` : ""}
${busy && i.status !== "deleting" ? html`<p class="hint">Being set up: this page refreshes itself until it is ready (about 5 minutes).</p>` : ""}
${
  isRunning(i.status)
    ? html`<div class="actions">
<form method="post" action="/web/extend">${csrfField(d.csrf)}<input type="hidden" name="id" value="${i.id}">
<button type="submit" name="hours" value="1">Extend +1 h</button>
<button type="submit" name="hours" value="4">Extend +4 h</button></form>
${
  i.status === "ready" && !d.saving.has(i.id)
    ? html`<form method="post" action="/web/save" data-confirm="Save ${i.id} as a snapshot, then delete it? Restore it later with ccc restore ${i.id}.">${csrfField(d.csrf)}<input type="hidden" name="id" value="${i.id}">
<button type="submit" class="save">Save &amp; delete</button></form>`
    : ""
}
<form method="post" action="/web/delete" data-confirm="Delete ${i.id} now? Everything on it is lost.">${csrfField(d.csrf)}<input type="hidden" name="id" value="${i.id}">
<button type="submit" class="danger">Delete now</button></form>
</div>`
    : ""
}
${i.status === "ready" ? shareForms(i, d.csrf) : ""}
</article>`;
}

/** The last active time and why it counted as active, as `status` says it. */
function lastActive(a: MachineActivityRecord | undefined): Html | string {
  if (!a) return "";
  const why =
    a.reasons.length > 0
      ? html` · active because: ${a.reasons.join("; ")}`
      : a.error
        ? html` · the last check got no answer`
        : a.checkedAt
          ? html` · idle at the last check`
          : "";
  return html`<dt>Last active</dt><dd data-last-active="${a.lastActiveAt.toISOString()}">${localTime(a.lastActiveAt)}${why}</dd>`;
}

/** Hibernated machines: ssh does not answer until they are woken, with the same id and host key. */
function asleepList(d: DashboardData): Html {
  return html`<h2 id="asleep-h">Asleep</h2>
<p class="hint">Hibernated while idle: only the snapshot costs money, and ssh does not answer until you wake it (same id, same host key).</p>
${d.asleep.map(
  ({
    instance: i,
    sleep: s,
  }) => html`<article class="card machine asleep" aria-labelledby="m-${i.id}" data-asleep="${i.id}">
<div class="machine-head">
<h3 id="m-${i.id}">${i.id}</h3>
<span class="status status-${s.state}" data-status="${s.state}">${s.state}</span>
</div>
<dl class="facts">
<dt>Type</dt><dd>${i.serverType} in ${i.location}</dd>
<dt>Asleep since</dt><dd>${localTime(s.sleptAt)} · ${lifetimePhrase(s.remainingMs)} of lifetime kept</dd>
${i.hostKey ? html`<dt>Host key</dt><dd><code>${hostKeyFingerprint(i.hostKey)}</code></dd>` : ""}
</dl>
${
  s.state === "asleep"
    ? html`<div class="actions"><form method="post" action="/web/wake">${csrfField(d.csrf)}<input type="hidden" name="id" value="${i.id}">
<button type="submit" class="primary">Wake</button></form></div>`
    : html`<p class="hint">Waking: this page refreshes itself until it is ready.</p>`
}
</article>`,
)}`;
}

/** Share and unshare, with what a guest can do said before the button, as the answer says it after. */
function shareForms(i: Instance, csrf: string): Html {
  return html`<details class="share"><summary>Share or unshare</summary>
<form method="post" action="/web/share">${csrfField(csrf)}<input type="hidden" name="id" value="${i.id}">
<label for="with-${i.id}">Who (a Slack user id or name)</label>
<input id="with-${i.id}" name="with" required autocomplete="off">
<label for="key-${i.id}">Their SSH public key (empty: the one they use now)</label>
<textarea id="key-${i.id}" name="sshKey" rows="2" spellcheck="false" autocomplete="off"></textarea>
<label><input type="checkbox" name="noSudo" value="true" aria-describedby="nosudo-${i.id}"> Without sudo</label>
<p class="hint" id="nosudo-${i.id}">With sudo: ${guestGrants(true)} Without: ${guestGrants(false)}</p>
<label><input type="checkbox" name="withSecrets" value="true" aria-describedby="withsecrets-${i.id}"> With my secrets</label>
<p class="hint" id="withsecrets-${i.id}">${guestSecretsSentence(false, true)} Ticked: ${guestSecretsSentence(true, true)}</p>
<button type="submit">Share</button></form>
<form method="post" action="/web/unshare">${csrfField(csrf)}<input type="hidden" name="id" value="${i.id}">
<label for="unshare-${i.id}">Take access away from</label>
<input id="unshare-${i.id}" name="with" required autocomplete="off">
<button type="submit">Unshare</button></form>
</details>`;
}

function provisionForm(f: ProvisionForm, csrf: string, invalid: string | null): Html {
  const chosen = f.offers.find(
    (o) => o.location === f.choice.location && o.type.name === f.choice.serverType,
  );
  const estimate = chosen ? euro((Number(chosen.hourly) * Number(f.choice.hours)).toString(), 2) : "";
  return html`<form method="post" action="/web/provision" class="provision" id="provision">
${csrfField(csrf)}
<label for="sshKey">SSH public key</label>
<textarea id="sshKey" name="sshKey" ${describedBy("sshKey", invalid)} rows="4" required spellcheck="false" autocomplete="off" placeholder="ssh-ed25519 AAAA… you@laptop">${f.sshKey}</textarea>
<div class="row">
<div><label for="location">Location</label>
<select id="location" name="location" ${describedBy("location", invalid)}>${f.locations.map(
    (l) =>
      html`<option value="${l.name}" ${l.name === f.choice.location ? "selected" : ""}>${l.label}</option>`,
  )}</select></div>
<div><label for="serverType">Server type</label>
<select id="serverType" name="serverType" ${describedBy("serverType", invalid)}>${f.offers.map(
    (o) =>
      html`<option value="${o.type.name}" data-location="${o.location}" data-hourly="${o.hourly}" ${o.location === f.choice.location ? "" : "hidden"} ${o.location === f.choice.location && o.type.name === f.choice.serverType ? "selected" : ""}>${o.type.name} · ${euro(o.hourly)}/h · ${o.type.cores} vCPU · ${o.type.memoryGb} GB · ${o.type.architecture}</option>`,
  )}</select></div>
<div><label for="hours">Hours</label>
<input id="hours" name="hours" ${describedBy("hours", invalid)} type="number" min="1" max="${f.maxHours}" step="any" value="${f.choice.hours}" required inputmode="decimal"></div>
</div>
${softwareField(f.software, invalid)}
${keepWorkField(f.keepWork, f.choice.location, invalid)}
${repoField(f.repo)}
<p class="estimate">Estimated cost: <output id="estimate" for="serverType hours">${estimate}</output> (incl. VAT)</p>
<button type="submit" class="primary">Create machine</button>
</form>`;
}

function everyoneSection(
  e: NonNullable<DashboardData["everyone"]>,
  now: Date,
  names: Map<string, string>,
): Html {
  return html`<section class="card" aria-labelledby="all-h">
<h2 id="all-h">All live machines (${e.instances.length})</h2>
<p>Together they cost <strong>${e.hourlyTotal === null ? "(prices not at hand)" : `${euro(e.hourlyTotal)} per hour`}</strong>.</p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="all-h"><table>
<thead><tr><th scope="col">ID</th><th scope="col">Owner</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">€/h</th><th scope="col">Left</th></tr></thead>
<tbody>${e.instances.map(
    (i) =>
      html`<tr><td>${i.id}</td><td title="${i.owner}">${names.get(i.owner) ?? i.owner}</td><td>${i.status}</td><td>${i.serverType} ${i.location}</td><td>${priceOf(e.hourly.get(i.id))}</td><td><span class="countdown" data-expires="${i.expiresAt.toISOString()}">${formatTimeLeft(i.expiresAt, now)}</span></td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function priceOf(hourly: string | null | undefined): string {
  return hourly ? euro(hourly) : "?";
}
