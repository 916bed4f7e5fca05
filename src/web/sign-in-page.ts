import { type Html, html } from "./html.ts";
import { layout } from "./layout.ts";

/** Signed out: how to get in. */
export function signInPage(options: { slack: boolean; problem?: string | undefined }): Html {
  return layout(
    "Sign in · ccc",
    html`<section class="card narrow">
<h1>Sign in to ccc</h1>
${options.problem ? html`<p class="notice error" role="alert">${options.problem}</p>` : ""}
<p>Type <code>/ccc web</code> in Slack: ccc sends you a link in a DM that signs you in. It works once, for 10 minutes.</p>
${options.slack ? html`<p><a class="button primary" href="/web/oidc/start">Sign in with Slack</a></p>` : ""}
</section>`,
  );
}

/**
 * Where a sign-in link lands. It asks for a click rather than signing in on the GET, so a link
 * preview or a scanner fetching the URL cannot use up the one-time link.
 */
export function confirmSignInPage(token: string, next?: "secrets"): Html {
  return layout(
    "Sign in · ccc",
    html`<section class="card narrow">
<h1>Sign in to ccc</h1>
<form method="post" action="/web/sign-in">
<input type="hidden" name="token" value="${token}">
${next ? html`<input type="hidden" name="next" value="${next}">` : ""}
<button type="submit" class="primary" autofocus>${next === "secrets" ? "Continue to your secrets" : "Continue to the dashboard"}</button>
</form>
</section>`,
  );
}
