import type { SecretInfo } from "../core/secrets/secrets.ts";
import { type Html, html } from "./html.ts";
import { layout } from "./layout.ts";
import { localTime } from "./local-time.ts";

export const SECRETS_PATH = "/web/secrets";

export interface SecretsPageData {
  user: string;
  csrf: string;
  /** False while the operator has not set CCC_SECRETS_KEY: the form is not offered. */
  enabled: boolean;
  secrets: SecretInfo[];
  notice: { kind: "ok" | "error"; text: string } | null;
  /** What was typed into the name field (never the value: a refused value is not sent back). */
  typedName?: string | undefined;
}

/** The person's secrets (names, kinds, dates: never a value) and the form to set one, with a password field. */
export function secretsPage(d: SecretsPageData): Html {
  const csrf = html`<input type="hidden" name="csrf" value="${d.csrf}">`;
  const header = html`<span class="who">${d.user}</span> <a href="/">Machines</a>`;
  const rows = d.secrets.map(
    (
      s,
    ) => html`<tr><td><code>${s.name}</code></td><td>${s.kind}</td><td>${localTime(s.setAt)}</td><td>${s.usedAt ? localTime(s.usedAt) : "never"}</td>
<td><form method="post" action="${SECRETS_PATH}/delete" class="inline">${csrf}<input type="hidden" name="name" value="${s.name}"><button type="submit" class="danger">Delete</button></form></td></tr>`,
  );
  return layout(
    "Your secrets · ccc",
    html`${d.notice ? html`<p class="notice ${d.notice.kind}" role="${d.notice.kind === "error" ? "alert" : "status"}">${d.notice.text}</p>` : ""}
<section aria-labelledby="secrets-h" class="card">
<h1 id="secrets-h">Your secrets</h1>
<p>Environment variables for your machines: <code>ANTHROPIC_API_KEY</code> or <code>CLAUDE_CODE_OAUTH_TOKEN</code> signs Claude Code in, <code>GITHUB_TOKEN</code> / <code>GITLAB_TOKEN</code> let git push. They are stored encrypted, shown to nobody (not even you), and delivered to your running machines at once.</p>
${
  d.secrets.length === 0
    ? html`<p class="empty">You have no secrets.</p>`
    : html`<table><thead><tr><th>Name</th><th>Kind</th><th>Set</th><th>Last used</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
}
</section>
<section aria-labelledby="set-h" class="card">
<h2 id="set-h">Set a secret</h2>
${
  d.enabled
    ? html`<form method="post" action="${SECRETS_PATH}/set" autocomplete="off">${csrf}
<label for="secret-name">Name</label>
<input id="secret-name" name="name" required pattern="[A-Z_][A-Z0-9_]*" maxlength="64" placeholder="ANTHROPIC_API_KEY" value="${d.typedName ?? ""}" autocapitalize="characters" spellcheck="false">
<label for="secret-value">Value</label>
<input id="secret-value" name="value" type="password" required autocomplete="new-password" spellcheck="false">
<button type="submit" class="primary">Save</button>
</form>`
    : html`<p class="notice error">Secrets are off here: the operator has not set CCC_SECRETS_KEY.</p>`
}
</section>`,
    header,
  );
}
