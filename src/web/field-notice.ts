import { type Html, html } from "./html.ts";

/** The banner at the top of the dashboard: what was done, or why it was refused and about which field. */
export interface Notice {
  kind: "ok" | "error";
  text: string;
  /** The form control a refusal is about (a UserError's field), which the banner then describes. */
  field?: string | undefined;
}

/** A refusal's field, as the form control's id: the core's names, and the few spelled otherwise. */
const FIELD_CONTROLS: Readonly<Record<string, string>> = {
  sshKey: "sshKey",
  ssh_key: "sshKey",
  location: "location",
  serverType: "serverType",
  hours: "hours",
  packages: "packagesOther",
  keepWork: "keepWork",
};

/** The form control a notice is about, if the page has one for it. */
export function noticeControl(notice: Notice | null): string | null {
  return notice?.kind === "error" && notice.field ? (FIELD_CONTROLS[notice.field] ?? null) : null;
}

/** Messages mark code with backticks (as in Slack and the terminal): here they become <code>, escaped. */
export function withCode(text: string): Html {
  const parts = text.split("`");
  // An odd count of backticks leaves the last one as it was typed.
  if (parts.length % 2 === 0) return html`${text}`;
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : html`${part}`))}`;
}

/**
 * A control's invalid marking and description: the one a refusal is about says so (`aria-invalid`) and
 * is described by the banner before any hint of its own, so a screen reader names the problem at the field.
 */
export function describedBy(control: string, invalid: string | null, hint?: string): Html {
  if (control !== invalid) return hint ? html`aria-describedby="${hint}"` : html``;
  return html`aria-invalid="true" aria-describedby="${hint ? `notice ${hint}` : "notice"}"`;
}
